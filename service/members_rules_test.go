package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestMemberCommandsShareTheRules: the member use cases refuse what Event.Validate refuses — a mixed-case
// wallet with a wrong EIP-55 checksum, handles with a space or a right-to-left override — and take a valid
// checksummed address (stored lower-case).
func TestMemberCommandsShareTheRules(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		appendAll(t, st, decode(t, smallLog))
		svc := tickingService(st)
		_, err := svc.AddWallet(ctx, "alice", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "ops")
		wantCode(t, "wrong checksum", err, plaudit.EINVALID)
		if !strings.Contains(plaudit.ErrorMessage(err), "EIP-55") {
			t.Errorf("wrong checksum: %v", err)
		}
		for _, bad := range []string{"hello", "0x123"} {
			_, err := svc.AddWallet(ctx, "alice", bad, "ops")
			wantCode(t, bad, err, plaudit.EINVALID)
		}
		c, err := svc.AddWallet(ctx, "alice", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ops")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Member.Wallets) != 1 || c.Member.Wallets[0] != "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" {
			t.Errorf("wallets %v", c.Member.Wallets)
		}
		for _, h := range []string{"alice smith", "evil\u202Egpj.exe", "al\u200bice"} {
			_, err := svc.LinkAccount(ctx, "discord:a1", h, "", "ops")
			wantCode(t, "link to "+h, err, plaudit.EINVALID)
		}
		if _, err := svc.MergeMembers(ctx, "bob", "alice", "o p"); err == nil {
			t.Error("merge by an operator named with a space: want a refusal")
		}
	})
}
