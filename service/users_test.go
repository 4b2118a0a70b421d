package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestUsers creates panel users, signs in, reads the session, signs out and lets a session expire, on both
// stores.
func TestUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		now := testNow
		svc := service.New(st, service.Options{Now: func() time.Time { return now }})
		for _, bad := range []struct {
			nu   service.NewUser
			code string
			want string
		}{
			{service.NewUser{Name: "ann", Role: "root", Password: "long enough pw"}, plaudit.EINVALID, `role "root"`},
			{service.NewUser{Name: "ann", Role: plaudit.RoleMember, Password: "long enough pw"}, plaudit.EINVALID, "admin, core or viewer"},
			{service.NewUser{Name: "ann", Role: plaudit.RoleAdmin, Password: "short"}, plaudit.EINVALID, "password"},
			{service.NewUser{Name: "a b", Role: plaudit.RoleAdmin, Password: "long enough pw"}, plaudit.EINVALID, "user name"},
			{service.NewUser{Name: "", Role: plaudit.RoleAdmin, Password: "long enough pw"}, plaudit.EINVALID, "user name"},
		} {
			if _, err := svc.CreateUser(ctx, bad.nu); plaudit.ErrorCode(err) != bad.code || !strings.Contains(plaudit.ErrorMessage(err), bad.want) {
				t.Errorf("CreateUser(%+v) = %v; want %s containing %q", bad.nu.Name, err, bad.code, bad.want)
			}
		}
		u, err := svc.CreateUser(ctx, service.NewUser{Name: "ann", Role: plaudit.RoleCore, Password: "correct horse battery", By: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.Hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(u.Hash, "correct horse") {
			t.Fatalf("hash %q: want argon2id PHC without the password", u.Hash)
		}
		if _, err := svc.CreateUser(ctx, service.NewUser{Name: "ann", Role: plaudit.RoleAdmin, Password: "another password"}); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Fatalf("second ann: %v; want ECONFLICT", err)
		}
		for _, c := range [][2]string{{"ann", "wrong password!"}, {"bob", "correct horse battery"}} {
			if _, err := svc.SignIn(ctx, c[0], c[1], 0); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED || plaudit.ErrorMessage(err) != "wrong username or password" {
				t.Fatalf("SignIn(%s) = %v; want EUNAUTHORIZED, one message for both", c[0], err)
			}
		}
		in, err := svc.SignIn(ctx, "ann", "correct horse battery", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		su, err := svc.Session(ctx, in.Token)
		if err != nil || su.User.Name != "ann" || su.User.Role != plaudit.RoleCore || !su.Expires.Equal(now.Add(time.Hour)) {
			t.Fatalf("Session = %+v, %v", su, err)
		}
		if _, err := svc.Session(ctx, in.Token+"x"); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("Session(forged) = %v; want EUNAUTHORIZED", err)
		}
		if err := svc.SignOut(ctx, in.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Session(ctx, in.Token); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("Session after sign-out = %v; want EUNAUTHORIZED", err)
		}
		in, err = svc.SignIn(ctx, "ann", "correct horse battery", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Hour)
		if _, err := svc.Session(ctx, in.Token); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED || !strings.Contains(plaudit.ErrorMessage(err), "expired") {
			t.Fatalf("Session after expiry = %v; want EUNAUTHORIZED, expired", err)
		}
		now = now.Add(-time.Minute) // the expired session was removed, not only refused
		if _, err := svc.Session(ctx, in.Token); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			t.Fatalf("Session of a removed session = %v", err)
		}
	})
}
