package service_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestPanelRoleMap: the highest mapped role wins, whatever the order of the user's roles; none maps to
// nothing.
func TestPanelRoleMap(t *testing.T) {
	m := service.PanelRoleMap{Admin: []string{"1"}, Core: []string{"2", "3"}, Viewer: []string{"4"}}
	for _, tc := range []struct {
		roles []string
		want  plaudit.Role
	}{
		{[]string{"4", "2", "1"}, plaudit.RoleAdmin},
		{[]string{"9", "4", "3"}, plaudit.RoleCore},
		{[]string{"4"}, plaudit.RoleViewer},
		{[]string{"9"}, ""},
		{nil, ""},
	} {
		got, ok := m.RoleOf(tc.roles)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("RoleOf(%v) = %q, %v; want %q", tc.roles, got, ok, tc.want)
		}
	}
}

// TestExternalSignIn: an outside identity gets a password-less panel user whose role follows each sign-in,
// which no password opens; OAuth states are used once, by their own purpose, before they expire; portal
// sessions are stored, expire and end on close. Both stores.
func TestExternalSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		now := testNow
		svc := service.New(st, service.Options{Now: func() time.Time { return now }})
		in, err := svc.SignInExternal(ctx, service.ExternalIdentity{Provider: "discord", ID: "80351110224678912", Display: "nelly", Role: plaudit.RoleAdmin}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if in.User.Name != "discord:80351110224678912" || in.User.Role != plaudit.RoleAdmin {
			t.Fatalf("user %+v", in.User)
		}
		again, err := svc.SignInExternal(ctx, service.ExternalIdentity{Provider: "discord", ID: "80351110224678912", Role: plaudit.RoleViewer}, time.Hour)
		if err != nil || again.User.ID != in.User.ID || again.User.Role != plaudit.RoleViewer {
			t.Fatalf("second sign-in: %+v, %v", again, err)
		}
		su, err := svc.Session(ctx, in.Token)
		if err != nil || su.User.Role != plaudit.RoleViewer {
			t.Fatalf("the first session's user is now %+v, %v; want viewer", su, err)
		}
		if _, err := svc.SignIn(ctx, "discord:80351110224678912", "", 0); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("password sign-in as an outside identity: %v", err)
		}
		if _, err := svc.SignInExternal(ctx, service.ExternalIdentity{Provider: "discord", ID: "1 2", Role: plaudit.RoleAdmin}, 0); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("bad id: %v", err)
		}
		if _, err := svc.SignInExternal(ctx, service.ExternalIdentity{Provider: "discord", ID: "1", Role: plaudit.RoleMember}, 0); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("member role: %v", err)
		}

		o, err := svc.StartOAuthSignIn(ctx, "panel", "/admin/rules")
		if err != nil || len(o.Verifier) < 43 || len(o.Verifier) > 128 {
			t.Fatalf("start: %+v, %v", o, err)
		}
		if _, err := svc.TakeOAuthSignIn(ctx, "portal", o.State); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("a panel state taken by the portal: %v", err)
		}
		if _, err := svc.TakeOAuthSignIn(ctx, "panel", o.State); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("a state tried by the wrong purpose is used up: %v", err)
		}
		o, _ = svc.StartOAuthSignIn(ctx, "panel", "/admin/rules")
		got, err := svc.TakeOAuthSignIn(ctx, "panel", o.State)
		if err != nil || got.Verifier != o.Verifier || got.Next != "/admin/rules" {
			t.Fatalf("take: %+v, %v", got, err)
		}
		if _, err := svc.TakeOAuthSignIn(ctx, "panel", o.State); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("replayed state: %v", err)
		}
		// Two callbacks with one state at once: exactly one has it.
		o, _ = svc.StartOAuthSignIn(ctx, "panel", "")
		var wg sync.WaitGroup
		var took atomic.Int32
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.TakeOAuthSignIn(ctx, "panel", o.State); err == nil {
					took.Add(1)
				}
			}()
		}
		wg.Wait()
		if took.Load() != 1 {
			t.Fatalf("%d concurrent takes of one state succeeded", took.Load())
		}
		// The store never turns a local account into an outside identity's.
		if _, err := svc.CreateUser(ctx, service.NewUser{Name: "local", Role: plaudit.RoleViewer, Password: "long enough pw"}); err != nil {
			t.Fatal(err)
		}
		if err := st.(service.SignInStore).PutExternalUser(ctx, &plaudit.User{Name: "local", Role: plaudit.RoleAdmin}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Fatalf("PutExternalUser over a local account: %v", err)
		}
		if u, _ := svc.SignIn(ctx, "local", "long enough pw", 0); u == nil || u.User.Role != plaudit.RoleViewer {
			t.Fatalf("the local account changed: %+v", u)
		}
		o, _ = svc.StartOAuthSignIn(ctx, "portal", "")
		now = now.Add(service.OAuthSignInTTL + time.Second)
		if _, err := svc.TakeOAuthSignIn(ctx, "portal", o.State); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("expired state: %v", err)
		}

		tok, ps, err := svc.OpenPortalSession(ctx, service.PortalSession{Member: "alice", DiscordUser: "42"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got2, err := svc.PortalSessionOf(ctx, tok)
		if err != nil || got2.Member != "alice" || got2.DiscordUser != "42" || got2.KeyHash != nil || !got2.Expires.Equal(ps.Expires) {
			t.Fatalf("portal session: %+v, %v", got2, err)
		}
		keyTok, _, err := svc.OpenPortalSession(ctx, service.PortalSession{Member: "bob", KeyHash: service.HashKey("plk_x")}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ks, err := svc.PortalSessionOf(ctx, keyTok); err != nil || string(ks.KeyHash) != string(service.HashKey("plk_x")) {
			t.Fatalf("key session: %+v, %v", ks, err)
		}
		if _, _, err := svc.OpenPortalSession(ctx, service.PortalSession{Member: "bob"}, time.Hour); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("a session of nothing: %v", err)
		}
		if err := svc.ClosePortalSession(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.PortalSessionOf(ctx, tok); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("closed session: %v", err)
		}
		now = now.Add(time.Hour)
		if _, err := svc.PortalSessionOf(ctx, keyTok); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("expired session: %v", err)
		}
	})
}
