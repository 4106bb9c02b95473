package users_test

import (
	"slices"
	"testing"
)

// TestUserRoles: a user's roles are stytch_user (implicit, every user's)
// and those assigned, each checked against the project's policy when it
// is assigned.
func TestUserRoles(t *testing.T) {
	e := newEnv(t)
	id := e.must(t, "POST", "/v1/users", obj{"roles": []string{"a"}})["user_id"].(string)
	for _, tc := range []struct {
		name    string
		method  string
		body    obj
		status  int
		errType string
		want    []string
	}{
		{"created with a", "GET", nil, 200, "", []string{"stytch_user", "a"}},
		{"assigned admin and b", "PUT", obj{"roles": []string{"admin", "b"}}, 200, "", []string{"stytch_user", "admin", "b"}},
		{"stytch_user assigned explicitly is reported once", "PUT", obj{"roles": []string{"stytch_user", "b"}}, 200, "", []string{"stytch_user", "b"}},
		{"a role not in the policy", "PUT", obj{"roles": []string{"b", "owner"}}, 400, "role_not_found", []string{"stytch_user", "b"}},
		{"a malformed role", "PUT", obj{"roles": []string{""}}, 400, "invalid_roles", []string{"stytch_user", "b"}},
		{"roles absent: kept", "PUT", obj{"name": obj{"first_name": "Ada"}}, 200, "", []string{"stytch_user", "b"}},
		{"cleared", "PUT", obj{"roles": []string{}}, 200, "", []string{"stytch_user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.method == "PUT" {
				if tc.status == 200 {
					e.must(t, "PUT", "/v1/users/"+id, tc.body)
				} else {
					e.fails(t, tc.status, tc.errType, "PUT", "/v1/users/"+id, tc.body)
				}
			}
			got := e.must(t, "GET", "/v1/users/"+id, nil)["roles"]
			if !slices.Equal(stringList(got), tc.want) {
				t.Errorf("roles = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSessionRolesFollowTheUser: a session started before a role change
// shows the user's roles as they are now, in the session object and in
// the JWT the next sessions.authenticate mints.
func TestSessionRolesFollowTheUser(t *testing.T) {
	e := newEnv(t)
	out := e.must(t, "POST", "/v1/passwords", obj{"email": "roles@example.com", "password": strongPassword})
	id, token := out["user_id"].(string), out["session_token"].(string)
	for _, step := range []struct {
		roles []string
		want  []string
	}{
		{[]string{"admin"}, []string{"stytch_user", "admin"}},
		{[]string{}, []string{"stytch_user"}},
	} {
		e.must(t, "PUT", "/v1/users/"+id, obj{"roles": step.roles})
		auth := e.must(t, "POST", "/v1/sessions/authenticate", obj{"session_token": token})
		if got := stringList(auth["session"].(obj)["roles"]); !slices.Equal(got, step.want) {
			t.Errorf("after roles %v: session.roles = %v, want %v", step.roles, got, step.want)
		}
		list := e.must(t, "GET", "/v1/sessions?user_id="+id, nil)["sessions"].([]any)
		if got := stringList(list[0].(obj)["roles"]); len(list) != 1 || !slices.Equal(got, step.want) {
			t.Errorf("after roles %v: sessions.get roles = %v, want %v", step.roles, got, step.want)
		}
		c := e.verifySessionJWT(t, auth["session_jwt"].(string), e.clock.Now())
		if got := stringList(c["https://stytch.com/session"].(obj)["roles"]); !slices.Equal(got, step.want) {
			t.Errorf("after roles %v: JWT roles = %v, want %v", step.roles, got, step.want)
		}
	}
}

// stringList is a decoded JSON list of strings.
func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, s := range l {
		out[i], _ = s.(string)
	}
	return out
}
