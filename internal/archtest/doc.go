// Package archtest holds the dependency fences of the module as tests
// (docs/architecture.md, "Fences"): which package may not depend on which,
// directly or through anything it imports. It has no code of its own.
package archtest
