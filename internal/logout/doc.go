// Package logout delivers OpenID Connect Back-Channel Logout 1.0 logout
// tokens: when a Signet session ends (RP-initiated logout at
// internal/authorize, sessions.revoke on the management API, a deleted
// user), every client that got tokens in it and registered a
// backchannel_logout_uri is told, server to server, so it can end its own
// session for that person.
//
// It mounts no routes. The work is an outbox in the store
// (store.LogoutDeliveries): the transaction that ends the session queues
// one delivery per (client, session), so nothing depends on this process
// surviving. A Sender, run in the background by every node, claims due
// deliveries under a lease (a node that dies mid-delivery leaves them to
// be claimed again when the lease ends), signs a logout token and POSTs
// it, and records the outcome:
//
//   - 200 (or 204, which some frameworks answer, §2.8): delivered, the
//     row is deleted;
//   - a network error, a timeout, 5xx, 408 or 429: retried with
//     exponential backoff, up to MaxAttempts attempts, then given up;
//   - any other answer (400: the client refused the token), a client
//     deleted meanwhile or without a backchannel_logout_uri now, or one
//     that requires sid for a grant that had no session: given up at once.
//
// Every outcome is logged and counted (Observe: delivered, retried,
// failed). The browser never waits: the session ends in its request, the
// deliveries follow. A commit that queued deliveries announces
// store.TopicLogout, so some node's Sender starts at once rather than at
// its next poll.
//
// A logout token (§2.4) is a JWT signed with the client's project key of
// its id_token_signed_response_alg (RS256 by default, as its ID tokens),
// typ logout+jwt, with iss, aud = client_id, iat, exp (two minutes), jti
// (the delivery's ID, the same on every attempt so the client can drop a
// replay), sub, sid when the grant came from a session (which its ID
// tokens carried too), and events
// {"http://schemas.openid.net/event/backchannel-logout":{}}; never nonce.
// It is sent as the form parameter logout_token, without following
// redirects.
//
// §2.7 asks an OP to revoke the refresh tokens a logged-out session got
// without offline_access: Signet issues refresh tokens only for
// offline_access, so there are none; the grants, and their refresh
// tokens, stay (a client that asked for offline access keeps it).
package logout
