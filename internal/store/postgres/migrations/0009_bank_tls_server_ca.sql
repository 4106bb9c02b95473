-- 0009: the CA certificates (PEM) a bank's TLS server certificates chain
-- to, when that is not a public CA (a bank's mutual-TLS listener often
-- has a private one). Not a secret: it is stored in clear; '' means the
-- system roots.

ALTER TABLE banks ADD COLUMN tls_server_ca TEXT NOT NULL DEFAULT '';
