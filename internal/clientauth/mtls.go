package clientauth

import (
	"crypto/x509"
	"net"
	"strings"

	"github.com/signet-id/signet/internal/store"
)

// CertificateMatches reports whether cert is the certificate a
// tls_client_auth client registered (RFC 8705 §2.1.2): its subject DN, or
// one of its subjectAltName entries of the registered kind. The chain is
// not checked here (see the package documentation).
//
// Subject DNs compare in RFC 4514 string form (what Go's pkix.Name.String
// prints, most significant RDN last), ignoring case and the spaces a
// registration may put after commas; that is distinguishedNameMatch for
// the printable attribute values client certificates carry.
func CertificateMatches(m store.ClientMetadata, cert *x509.Certificate) bool {
	switch {
	case m.TLSClientAuthSubjectDN != "":
		return normDN(cert.Subject.String()) == normDN(m.TLSClientAuthSubjectDN)
	case m.TLSClientAuthSANDNS != "":
		for _, n := range cert.DNSNames {
			if strings.EqualFold(n, m.TLSClientAuthSANDNS) {
				return true
			}
		}
	case m.TLSClientAuthSANURI != "":
		for _, u := range cert.URIs {
			if u.String() == m.TLSClientAuthSANURI {
				return true
			}
		}
	case m.TLSClientAuthSANIP != "":
		want := net.ParseIP(m.TLSClientAuthSANIP)
		for _, ip := range cert.IPAddresses {
			if want != nil && ip.Equal(want) {
				return true
			}
		}
	case m.TLSClientAuthSANEmail != "":
		for _, e := range cert.EmailAddresses {
			if e == m.TLSClientAuthSANEmail {
				return true
			}
		}
	}
	return false
}

func normDN(dn string) string {
	parts := strings.Split(dn, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return strings.ToLower(strings.Join(parts, ","))
}
