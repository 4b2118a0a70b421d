package service_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestKeys creates keys of each role, authenticates with them, revokes one and checks what is refused, on
// both stores.
func TestKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		ctx := context.Background()
		now := testNow
		svc := service.New(st, service.Options{Now: func() time.Time { return now }})
		if has, err := svc.HasKeys(ctx); err != nil || has {
			t.Fatalf("HasKeys of a new store = %v, %v; want false", has, err)
		}
		if _, err := svc.LinkAccount(ctx, "x:1001", "alice", "", "ops"); err != nil {
			t.Fatal(err)
		}

		for _, bad := range []struct {
			nk   service.NewKey
			code string
			want string
		}{
			{service.NewKey{Role: "root"}, plaudit.EINVALID, `role "root"`},
			{service.NewKey{Role: plaudit.RoleMember}, plaudit.EINVALID, "must name its member"},
			{service.NewKey{Role: plaudit.RoleViewer, Member: "alice"}, plaudit.EINVALID, "only a member key"},
			{service.NewKey{Role: plaudit.RoleMember, Member: "nobody"}, plaudit.ENOTFOUND, `"nobody"`},
			{service.NewKey{Role: plaudit.RoleAdmin, Name: "evil\u202egnp"}, plaudit.EINVALID, "bidirectional"},
			{service.NewKey{Role: plaudit.RoleAdmin, Name: strings.Repeat("n", 101)}, plaudit.EINVALID, "at most 100"},
		} {
			if _, err := svc.CreateKey(ctx, bad.nk); plaudit.ErrorCode(err) != bad.code || !strings.Contains(plaudit.ErrorMessage(err), bad.want) {
				t.Errorf("CreateKey(%+v) error %v; want %s naming %q", bad.nk, err, bad.code, bad.want)
			}
		}
		if keys, _ := svc.Keys(ctx); len(keys) != 0 {
			t.Fatalf("refused keys were stored: %+v", keys)
		}

		viewer, err := svc.CreateKey(ctx, service.NewKey{Name: "dashboard", Role: plaudit.RoleViewer, By: "ops"})
		if err != nil {
			t.Fatal(err)
		}
		member, err := svc.CreateKey(ctx, service.NewKey{Name: "wallet app", Role: plaudit.RoleMember, Member: "x:1001"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(viewer.Secret, plaudit.KeyPrefix) || len(viewer.Secret) != len(plaudit.KeyPrefix)+43 || viewer.Secret == member.Secret {
			t.Fatalf("secrets %q, %q: want plk_ and 43 base64url characters, distinct", viewer.Secret, member.Secret)
		}
		if member.Key.Member != "alice" {
			t.Errorf("member key bound to %q; want the account's member alice", member.Key.Member)
		}
		keys, err := svc.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if bytes.Contains(k.Hash, []byte(viewer.Secret)) || bytes.Contains(k.Hash, []byte(member.Secret)) {
				t.Error("a key is stored in the clear")
			}
		}
		if has, _ := svc.HasKeys(ctx); !has || len(keys) != 2 {
			t.Fatalf("after two creates: HasKeys %v, %d keys", has, len(keys))
		}

		now = now.Add(time.Hour)
		k, err := svc.Authenticate(ctx, member.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if k.ID != member.Key.ID || k.Role != plaudit.RoleMember || k.Member != "alice" || !k.LastUsed.Equal(now) {
			t.Errorf("Authenticate = %+v; want the member key, last used now", k)
		}
		for _, tok := range []string{"", "plk_", viewer.Secret + "x", strings.TrimPrefix(viewer.Secret, "plk_"), "Bearer " + viewer.Secret} {
			_, err := svc.Authenticate(ctx, tok)
			if plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
				t.Errorf("Authenticate(%q) error %v; want unauthorized", tok, err)
			}
			if err != nil && strings.Contains(err.Error(), viewer.Secret) {
				t.Errorf("the error names the key: %v", err)
			}
		}

		if _, err := svc.RevokeKey(ctx, viewer.Key.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, viewer.Secret); plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("Authenticate(revoked) error %v; want unauthorized, revoked", err)
		}
		if _, err := svc.RevokeKey(ctx, 999); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Errorf("RevokeKey(999) error %v; want not_found", err)
		}
		if _, err := svc.Authenticate(ctx, member.Secret); err != nil {
			t.Errorf("the other key stopped working after a revoke: %v", err)
		}
	})
}
