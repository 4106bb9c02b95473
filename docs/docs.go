// Package docs holds Signet's documentation. The documents a running
// Signet serves itself (package home) are embedded from here, so the
// pages and the files in the repository are one text:
//
//   - errors.md, the reference of every error code, which every Stytch
//     envelope's error_url points into;
//   - openapi.json, the OpenAPI 3.1 description of the management API.
//
// Its tests keep them true to the code: errors.md lists every error code
// the code can send (errors_test.go), and openapi.json every management
// route the server mounts (internal/server's TestOpenAPIRoutes).
package docs

import _ "embed"

// Errors is errors.md.
//
//go:embed errors.md
var Errors string

// OpenAPI is openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte
