package authorize

import "github.com/signet-id/signet/internal/rbac"

// DescribeScope is the consent page's words for scope, for other pages
// that show what a person granted (internal/account): Signet's own, or
// the description policy (the project's RBAC policy, nil for none) gives
// it; "" when neither knows it.
func DescribeScope(scope string, policy *rbac.Compiled) string {
	return (&authzRequest{policy: policy}).describe(scope)
}
