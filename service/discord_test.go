package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestNormalizeXHandle: case, a leading @ and spaces are normalised; anything else is refused.
func TestNormalizeXHandle(t *testing.T) {
	for in, want := range map[string]string{"@Alice": "alice", " al ice_1 ": "alice_1", "BOB": "bob"} {
		if got, err := service.NormalizeXHandle(in); err != nil || got != want {
			t.Errorf("NormalizeXHandle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "@", "@@alice", "a-b", "abcdefghijklmnop", "x.com/alice"} {
		if got, err := service.NormalizeXHandle(in); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Errorf("NormalizeXHandle(%q) = %q, %v; want EINVALID", in, got, err)
		}
	}
}

// TestDiscordLinks: a Discord user's first link makes a member named after their username (discord-ID
// when a member has that handle); an X account an operator linked to another member, or another Discord
// user holds, is refused; interactions are seen once; OAuth states are used once and expire.
func TestDiscordLinks(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		svc := service.New(st, service.Options{Now: func() time.Time { now = now.Add(time.Millisecond); return now }})
		if _, err := svc.LinkAccount(ctx, "github:77", "carol", "", "op"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.LinkAccount(ctx, "x:3003", "dave", "", "op"); err != nil {
			t.Fatal(err)
		}
		l, err := svc.ConnectDiscord(ctx, service.DiscordConnect{User: "41", UserName: "Alice", XID: "1001", XUsername: "alice"})
		if err != nil || l.Member != "alice" || l.Verified {
			t.Fatalf("alice: %+v %v", l, err)
		}
		// carol is a member already: the Discord user named carol gets a handle of their own.
		l, err = svc.ConnectDiscord(ctx, service.DiscordConnect{User: "43", UserName: "carol", XID: "1003", XUsername: "carol", Verified: true})
		if err != nil || l.Member != "discord-43" || !l.Verified || l.VerifiedBy != "x-oauth" {
			t.Fatalf("carol: %+v %v", l, err)
		}
		if m, err := svc.Member(ctx, "x:1003"); err != nil || m.Handle != "discord-43" {
			t.Fatalf("x:1003 belongs to %+v %v", m, err)
		}
		for _, c := range []service.DiscordConnect{
			{User: "44", UserName: "eve", XID: "3003", XUsername: "dave"},  // an operator linked it to dave
			{User: "44", UserName: "eve", XID: "1001", XUsername: "alice"}, // alice's Discord user holds it
		} {
			if _, err := svc.ConnectDiscord(ctx, c); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
				t.Errorf("connect %+v: %v, want ECONFLICT", c, err)
			}
		}

		if fresh, err := svc.DiscordInteractionSeen(ctx, "900"); err != nil || !fresh {
			t.Fatalf("first sight: %v %v", fresh, err)
		}
		if fresh, err := svc.DiscordInteractionSeen(ctx, "900"); err != nil || fresh {
			t.Fatalf("replay: %v %v", fresh, err)
		}

		o, err := svc.StartDiscordOAuth(ctx, "45", "frank", "frank")
		if err != nil || len(o.State) < 32 || len(o.Verifier) < 43 {
			t.Fatalf("oauth: %+v %v", o, err)
		}
		if got, err := svc.DiscordOAuthState(ctx, o.State, false); err != nil || got.Verifier != o.Verifier {
			t.Fatalf("peek: %+v %v", got, err)
		}
		if _, err := svc.DiscordOAuthState(ctx, o.State, true); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DiscordOAuthState(ctx, o.State, true); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("second use: %v", err)
		}
		o, _ = svc.StartDiscordOAuth(ctx, "45", "frank", "frank")
		now = now.Add(service.DiscordOAuthTTL + time.Second)
		if _, err := svc.DiscordOAuthState(ctx, o.State, false); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("expired state: %v", err)
		}
	})
}

// TestDiscordSubmitAndWallet: a submission is an x submit event under the post id (a second is
// ECONFLICT); a non-admin may submit only their own posts; a wallet waits for an unverified link and is
// recorded when an admin verifies it.
func TestDiscordSubmitAndWallet(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		svc := service.New(st, service.Options{Now: func() time.Time { now = now.Add(time.Millisecond); return now }})
		if _, err := svc.ConnectDiscord(ctx, service.DiscordConnect{User: "41", UserName: "alice", XID: "1001", XUsername: "alice"}); err != nil {
			t.Fatal(err)
		}
		sub := service.DiscordSubmission{User: "41", PostID: "1790000000000000001", AuthorID: "1001", AuthorUsername: "alice"}
		e, err := svc.SubmitDiscord(ctx, sub)
		if err != nil || e.Key() != "x/submit:1790000000000000001" || e.Seq == 0 {
			t.Fatalf("submit: %+v %v", e, err)
		}
		if done, err := svc.DiscordSubmitted(ctx, sub.PostID); err != nil || !done {
			t.Fatalf("submitted: %v %v", done, err)
		}
		if _, err := svc.SubmitDiscord(ctx, sub); plaudit.ErrorCode(err) != plaudit.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		other := service.DiscordSubmission{User: "41", PostID: "1790000000000000002", AuthorID: "1002", AuthorUsername: "bob"}
		if _, err := svc.SubmitDiscord(ctx, other); plaudit.ErrorCode(err) != plaudit.EFORBIDDEN {
			t.Fatalf("another's post: %v", err)
		}
		other.Admin, other.User = true, "99"
		if _, err := svc.SubmitDiscord(ctx, other); err != nil {
			t.Fatalf("an admin's submission: %v", err)
		}

		w, err := svc.WalletDiscord(ctx, "41", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
		if err != nil || w.Recorded || w.Link.PendingWallet != "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" {
			t.Fatalf("wallet: %+v %v", w, err)
		}
		if m, _ := svc.Member(ctx, "alice"); len(m.Wallets) != 0 {
			t.Fatalf("an unverified member has a payout wallet: %v", m.Wallets)
		}
		if _, err := svc.WalletDiscord(ctx, "41", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"); plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("bad checksum: %v", err)
		}
		l, err := svc.DiscordVerify(ctx, "7", "41")
		if err != nil || !l.Verified || l.VerifiedBy != "discord:7" || l.PendingWallet != "" {
			t.Fatalf("verify: %+v %v", l, err)
		}
		if m, _ := svc.Member(ctx, "alice"); len(m.Wallets) != 1 {
			t.Fatalf("wallet after verify: %v", m.Wallets)
		}
		if err := svc.NotifyDiscord(ctx, "41", false); err != nil {
			t.Fatal(err)
		}
		tiers, err := svc.DiscordTiers(ctx, true)
		if err != nil || len(tiers) != 1 || tiers[0].Tier != 1 || tiers[0].Member != "alice" || tiers[0].ENG.Sign() != 0 {
			t.Fatalf("tiers: %+v %v", tiers, err)
		}
	})
}

// TestDiscordNoticeState: a notice's "sending" marker keeps the time of its first attempt, clearing drops
// it, and recording the notice makes it sent and drops the marker.
func TestDiscordNoticeState(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
		svc := service.New(st, service.Options{Now: func() time.Time { return now }})
		const ep = "acme@2026-03-02T00:00:00Z"
		state := func() (bool, time.Time) {
			t.Helper()
			sent, since, err := svc.DiscordNoticeState(ctx, ep, "41")
			if err != nil {
				t.Fatal(err)
			}
			return sent, since
		}
		if sent, since := state(); sent || !since.IsZero() {
			t.Fatalf("a new notice: sent %v, sending since %v", sent, since)
		}
		first := now
		if err := svc.MarkDiscordNoticeSending(ctx, ep, "41"); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if err := svc.MarkDiscordNoticeSending(ctx, ep, "41"); err != nil {
			t.Fatal(err)
		}
		if sent, since := state(); sent || !since.Equal(first) {
			t.Fatalf("marked twice: sent %v, sending since %v, want the first attempt's %v", sent, since, first)
		}
		if err := svc.ClearDiscordNoticeSending(ctx, ep, "41"); err != nil {
			t.Fatal(err)
		}
		if sent, since := state(); sent || !since.IsZero() {
			t.Fatalf("cleared: sent %v, sending since %v", sent, since)
		}
		if err := svc.MarkDiscordNoticeSending(ctx, ep, "41"); err != nil {
			t.Fatal(err)
		}
		if err := svc.RecordDiscordNotice(ctx, ep, "41"); err != nil {
			t.Fatal(err)
		}
		if sent, since := state(); !sent || !since.IsZero() {
			t.Fatalf("recorded: sent %v, sending since %v", sent, since)
		}
		if sent, _, err := svc.DiscordNoticeState(ctx, ep, "42"); err != nil || sent {
			t.Fatalf("another recipient: %v %v", sent, err)
		}
	})
}
