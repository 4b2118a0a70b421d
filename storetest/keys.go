package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func init() { register(50, "Keys", testKeys) }

func testKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	hashOf := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

	t.Run("CreateReadList", func(t *testing.T) {
		st := open(t)
		if keys, err := st.Keys(ctx); err != nil || len(keys) != 0 {
			t.Fatalf("Keys of an empty store = %v, %v; want none", keys, err)
		}
		a := &plaudit.APIKey{Name: "bot", Role: plaudit.RoleIngest, Hash: hashOf("a"), Created: t0, CreatedBy: "ops"}
		b := &plaudit.APIKey{Name: "alice's wallet", Role: plaudit.RoleMember, Member: "alice", Hash: hashOf("b"), Created: t0.Add(time.Second)}
		for _, k := range []*plaudit.APIKey{a, b} {
			if err := st.CreateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if a.ID == 0 || b.ID == 0 || a.ID == b.ID {
			t.Fatalf("ids %d, %d: want two distinct non-zero ids", a.ID, b.ID)
		}
		got, err := st.KeyByHash(ctx, hashOf("b"))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != b.ID || got.Name != b.Name || got.Role != plaudit.RoleMember || got.Member != "alice" ||
			!got.Created.Equal(b.Created) || !bytes.Equal(got.Hash, b.Hash) || !got.LastUsed.IsZero() || !got.Active() {
			t.Errorf("KeyByHash = %+v; want %+v", got, b)
		}
		if _, err := st.KeyByHash(ctx, hashOf("nope")); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Errorf("KeyByHash(unknown) error %v; want not_found", err)
		}
		dup := &plaudit.APIKey{Role: plaudit.RoleAdmin, Hash: hashOf("a"), Created: t0}
		if err := st.CreateKey(ctx, dup); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Errorf("CreateKey(same hash) error %v; want conflict", err)
		}
		keys, err := st.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) != 2 || keys[0].ID != a.ID || keys[1].ID != b.ID || keys[0].CreatedBy != "ops" {
			t.Errorf("Keys = %+v; want a then b", keys)
		}
	})

	t.Run("RevokeTouch", func(t *testing.T) {
		st := open(t)
		k := &plaudit.APIKey{Name: "viewer", Role: plaudit.RoleViewer, Hash: hashOf("v"), Created: t0}
		if err := st.CreateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if err := st.TouchKey(ctx, k.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// Within the minute: not written again.
		if err := st.TouchKey(ctx, k.ID, t0.Add(time.Hour+30*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := st.KeyByHash(ctx, k.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if !got.LastUsed.Equal(t0.Add(time.Hour)) {
			t.Errorf("last used %v; want %v (a touch within the minute is not written)", got.LastUsed, t0.Add(time.Hour))
		}
		if err := st.TouchKey(ctx, k.ID, t0.Add(time.Hour+2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ = st.KeyByHash(ctx, k.Hash); !got.LastUsed.Equal(t0.Add(time.Hour + 2*time.Minute)) {
			t.Errorf("last used %v after a later touch; want %v", got.LastUsed, t0.Add(time.Hour+2*time.Minute))
		}

		rev, err := st.RevokeKey(ctx, k.ID, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if rev.Active() || !rev.Revoked.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("revoked key %+v; want revoked at %v", rev, t0.Add(2*time.Hour))
		}
		if rev, err = st.RevokeKey(ctx, k.ID, t0.Add(3*time.Hour)); err != nil || !rev.Revoked.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("revoking again = %+v, %v; want the first revocation time kept", rev, err)
		}
		if got, _ = st.KeyByHash(ctx, k.Hash); got.Active() {
			t.Error("KeyByHash after revoke: still active")
		}
		if _, err := st.RevokeKey(ctx, k.ID+100, t0); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Errorf("RevokeKey(unknown) error %v; want not_found", err)
		}
	})
}
