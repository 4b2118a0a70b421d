package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/discord"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
	"github.com/plaudit/plaudit/witness"
)

// epochNotices are the epoch announcements among channel messages (the others announce submissions).
func epochNotices(rs []request) []request {
	var out []request
	for _, r := range rs {
		if strings.Contains(toJSON(r.Body), "Epoch closed") {
			out = append(out, r)
		}
	}
	return out
}

// dmText is the first embed's description of a message request.
func dmText(r request) string {
	es, _ := r.Body["embeds"].([]any)
	if len(es) == 0 {
		return ""
	}
	d, _ := es[0].(map[string]any)["description"].(string)
	return d
}

// paidEpoch links, verifies and funds alice, bob and carol, has them engage with each other's posts in
// the week of start, and closes that week (acme@2026-03-02T00:00:00Z) on 2026-03-10.
func (e *env) paidEpoch() string {
	e.t.Helper()
	ctx := context.Background()
	e.connect(alice, "alice")
	e.connect(bob, "bob_b")
	e.connect(carol, "carol")
	for _, u := range []string{alice, bob, carol} {
		if _, err := e.svc.DiscordVerify(ctx, "admin", u); err != nil {
			e.t.Fatal(err)
		}
	}
	e.command(alice, nil, "wallet", str("address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
	e.command(bob, nil, "wallet", str("address", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"))
	e.command(carol, nil, "wallet", str("address", "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"))
	e.command(alice, nil, "submit", str("url", "https://x.com/alice/status/1790000000000000001"))
	e.command(bob, nil, "submit", str("url", "https://x.com/bob_b/status/1790000000000000002"))
	e.engage(plaudit.KindLike, bobX, "1790000000000000001", aliceX, start.Add(time.Hour))
	e.engage(plaudit.KindLike, aliceX, "1790000000000000002", bobX, start.Add(time.Hour))
	e.engage(plaudit.KindReply, carolX, "1790000000000000002", bobX, start.Add(time.Hour))
	e.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	res, err := e.svc.CloseEpochs(ctx, service.CloseRequest{Through: e.clock.Now()})
	if err != nil || len(res.Epochs) == 0 {
		e.t.Fatalf("close: %+v %v", res, err)
	}
	return "acme@2026-03-02T00:00:00Z"
}

// witnessKey is the one witness of witnessedPolicy (a well-known test key).
const witnessKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// attest records the witness's honest attestation of closed epoch id, as the witness agent would make it.
func (e *env) attest(id string) *service.WitnessState {
	e.t.Helper()
	ctx := context.Background()
	signer, err := payout.NewSigner(witnessKey)
	if err != nil {
		e.t.Fatal(err)
	}
	ep, err := e.svc.Epoch(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	log, err := e.svc.ReadLog(ctx, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	digest, err := witness.InputsDigest(log.Through(ep.Epoch.LogSeq))
	if err != nil {
		e.t.Fatal(err)
	}
	att, err := witness.ForEpoch(ep.Epoch, digest)
	if err != nil {
		e.t.Fatal(err)
	}
	signed, err := witness.SignAttestation(signer, att)
	if err != nil {
		e.t.Fatal(err)
	}
	body, err := json.Marshal(signed)
	if err != nil {
		e.t.Fatal(err)
	}
	_, st, err := e.svc.RecordWitness(ctx, id, body)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// TestNoticesWaitForPublication: under a policy with a witness committee, a closed epoch that is not
// published yet gets no notice and no /claim line; once published — here more than NoticeWindow after it
// closed — it is announced and its DMs sent, once, and /claim lists it.
func TestNoticesWaitForPublication(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		signer, err := payout.NewSigner(witnessKey)
		if err != nil {
			t.Fatal(err)
		}
		witnessed := strings.Replace(tieredPolicy, "  x_payouts: true\n", "  x_payouts: true\n  witnesses:\n    addresses: [\""+
			signer.Address().String()+"\"]\n    quorum: 1\n    dispute_window: 1h\n", 1)
		if _, err := e.svc.ActivatePolicy(ctx, []byte(witnessed), "witnessed.yml", "test"); err != nil {
			t.Fatal(err)
		}
		id := e.paidEpoch()

		n, err := e.bot.SendNotices(ctx)
		if err != nil || n != (discord.Notices{}) {
			t.Fatalf("notices of an unpublished epoch: %+v %v", n, err)
		}
		if r := e.command(bob, nil, "claim"); r.Title != "No payouts" {
			t.Fatalf("/claim of an unpublished epoch: %+v", r)
		}
		if len(e.dc.sent(http.MethodPost, dmMessages)) != 0 {
			t.Fatal("a DM went out before publication")
		}
		if r := e.command(carol, nil, "stats"); strings.Contains(r.Text, "[why]") || !strings.Contains(r.Text, "+3 tiered.reply") {
			t.Fatalf("/stats links an unpublished epoch's section: %q", r.Text)
		}

		// Eight days later the witness attests; the epoch publishes after its 1 h dispute window.
		e.clock.Set(time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC))
		if ws := e.attest(id); ws.State != service.EpochAttested {
			t.Fatalf("after the attestation: %+v", ws)
		}
		if n, err := e.bot.SendNotices(ctx); err != nil || n != (discord.Notices{}) {
			t.Fatalf("notices within the dispute window: %+v %v", n, err)
		}
		if r := e.command(bob, nil, "claim"); r.Title != "No payouts" {
			t.Fatalf("/claim within the dispute window: %+v", r)
		}
		e.clock.Set(time.Date(2026, 3, 18, 13, 30, 0, 0, time.UTC))
		n, err = e.bot.SendNotices(ctx)
		if err != nil || n.Epochs != 1 || n.Announced != 1 || n.DMs != 3 {
			t.Fatalf("notices after publication: %+v %v, want the epoch announced and 3 DMs", n, err)
		}
		if n, err := e.bot.SendNotices(ctx); err != nil || n.Announced+n.DMs != 0 {
			t.Fatalf("a second run: %+v %v, want nothing sent", n, err)
		}
		if a, d := len(epochNotices(e.dc.made(announceMessages))), len(e.dc.made(dmMessages)); a != 1 || d != 3 {
			t.Fatalf("%d announcements and %d DMs created, want 1 and 3", a, d)
		}
		if r := e.command(bob, nil, "claim"); r.Title != "Your payouts" || !strings.Contains(r.Text, id) {
			t.Fatalf("/claim after publication: %+v", r)
		}
		if r := e.command(carol, nil, "stats"); !strings.Contains(r.Text, "+3 tiered.reply ([why](https://rewards.example.org/m/carol#e-"+id+"))") {
			t.Fatalf("/stats after publication: %q", r.Text)
		}
	})
}

// crashingStore is the real store, except that recording the notice of a recipient listed in crash fails
// once, as if the process died after Discord took the message and before the store recorded it.
type crashingStore struct {
	*sqlstore.DB
	mu    sync.Mutex
	crash map[string]bool
}

func (c *crashingStore) RecordDiscordNotice(ctx context.Context, epoch, recipient string, at time.Time) error {
	c.mu.Lock()
	crash := c.crash[recipient]
	delete(c.crash, recipient)
	c.mu.Unlock()
	if crash {
		return errors.New("killed between the send and its record")
	}
	return c.DB.RecordDiscordNotice(ctx, epoch, recipient, at)
}

// TestNoticesCrashBetweenSendAndRecord: each notice carries a nonce of its epoch and recipient with
// enforce_nonce. A run that dies after Discord took a message but before it was recorded is retried within
// Discord's nonce window: the retry sends the request again, Discord answers with the earlier message, and
// no member sees a notice twice. A retry after the window finds the "sending" marker and records the
// notice without sending it again.
func TestNoticesCrashBetweenSendAndRecord(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		id := e.paidEpoch()
		crashing := &crashingStore{DB: st, crash: map[string]bool{"announce": true, alice: true}}
		real := e.bot.Service
		e.bot.Service = service.New(crashing, service.Options{Now: e.clock.Now})
		if _, err := e.bot.SendNotices(ctx); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("first run: %v, want the crash recording the announcement", err)
		}
		if _, err := e.bot.SendNotices(ctx); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("second run: %v, want the crash recording alice's DM", err)
		}
		crashing.mu.Lock()
		crashing.crash[bob] = true
		crashing.mu.Unlock()
		if _, err := e.bot.SendNotices(ctx); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("third run: %v, want the crash recording bob's DM", err)
		}
		// The retry of bob's DM comes after the nonce window (the process was killed, and river rescued
		// the job an hour later; Discord forgot the nonce): the marker says the DM may have been posted,
		// so it is recorded without a second send.
		e.clock.Set(e.clock.Now().Add(discord.DefaultNonceWindow + time.Minute))
		e.dc.mu.Lock()
		e.dc.nonceWindow = 0
		e.dc.mu.Unlock()
		e.bot.Service = real
		if n, err := e.bot.SendNotices(ctx); err != nil || n.Uncertain != 1 || n.DMs != 1 {
			t.Fatalf("fourth run: %+v %v, want bob's DM uncertain and carol's sent", n, err)
		}
		if n, err := e.bot.SendNotices(ctx); err != nil || n.Announced+n.DMs != 0 {
			t.Fatalf("fifth run: %+v %v, want nothing", n, err)
		}
		if got := len(epochNotices(e.dc.sent(http.MethodPost, announceMessages))); got != 2 {
			t.Fatalf("%d announcement requests, want 2 (the crashed one and its retry)", got)
		}
		if got := len(epochNotices(e.dc.made(announceMessages))); got != 1 {
			t.Fatalf("%d announcements created, want 1", got)
		}
		requests, made := map[string]int{}, map[string]int{}
		for _, r := range e.dc.sent(http.MethodPost, dmMessages) {
			requests[r.Path]++
			if r.Body["enforce_nonce"] != true || len(r.Body["nonce"].(string)) != 25 {
				t.Fatalf("a DM without an enforced 25-character nonce: %v", r.Body)
			}
		}
		for _, r := range e.dc.made(dmMessages) {
			made[r.Path]++
		}
		dm := func(user string) string { return "/channels/9" + user[1:] + "/messages" }
		for u, want := range map[string][2]int{alice: {2, 1}, bob: {1, 1}, carol: {1, 1}} {
			if requests[dm(u)] != want[0] || made[dm(u)] != want[1] {
				t.Errorf("DMs to %s: %d requests, %d created; want %d and %d", u, requests[dm(u)], made[dm(u)], want[0], want[1])
			}
		}
		if n1, n2 := discord.NoticeNonce(id, alice), discord.NoticeNonce(id, bob); n1 == n2 || n1 != discord.NoticeNonce(id, alice) || len(n1) != 25 {
			t.Fatalf("nonces %s %s: want 25 characters, one per (epoch, recipient), the same every time", n1, n2)
		}
	})
}

// TestRefusals: the refusals of each command not covered by its own test, each an ephemeral "Not done"
// that says what to do next and changes nothing: /tier and /verify of a member without a link, /claim
// without a link, /notify with a setting other than on and off, /leaderboard with an unknown window, an
// unknown command, a too long /submit category, /connect and /submit without the X source, and an
// interaction that is not a slash command.
func TestRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		before := e.eventCount()
		long := strings.Repeat("c", 101)
		for _, c := range []struct {
			user  string
			roles []string
			name  string
			opts  []opt
			want  string
		}{
			{carol, admin, "tier", []opt{userOpt("user", bob), integer("level", 2)}, "has not connected an X account yet: use /connect"},
			{carol, admin, "verify", []opt{userOpt("user", bob)}, "has not connected an X account yet"},
			{bob, nil, "claim", nil, "has not connected an X account yet"},
			{alice, nil, "notify", []opt{str("setting", "sometimes")}, `setting "sometimes": choose on or off`},
			{alice, nil, "leaderboard", []opt{str("window", "year")}, `window "year": want all, week or epoch`},
			{alice, nil, "dance", nil, "Unknown command /dance: an admin should run `plaudit discord register`"},
			{alice, nil, "submit", []opt{str("url", "https://x.com/alice/status/1790000000000000003"), str("category", long)}, "category: at most 100 characters"},
		} {
			r := e.command(c.user, c.roles, c.name, c.opts...)
			if r.Title != "Not done" || !r.Ephemeral || !strings.Contains(r.Text, c.want) {
				t.Errorf("/%s by %s: %+v, want an ephemeral refusal with %q", c.name, c.user, r, c.want)
			}
		}
		e.bot.X = nil
		for _, c := range []struct {
			name string
			opts []opt
		}{
			{"connect", []opt{str("handle", "bob_b")}},
			{"submit", []opt{str("url", "https://x.com/alice/status/1790000000000000003")}},
		} {
			user := bob
			if c.name == "submit" {
				user = alice
			}
			if r := e.command(user, nil, c.name, c.opts...); r.Title != "Not done" || !strings.Contains(r.Text, "The X source is not configured") {
				t.Errorf("/%s without the X source: %+v", c.name, r)
			}
		}
		// A message component (type 3) is answered, not acted on.
		body := []byte(`{"id":"810000000000000001","application_id":"` + appID + `","type":3,"token":"tok","version":1,"guild_id":"` + guildID + `",` +
			`"channel_id":"555","member":{"user":{"id":"` + alice + `","username":"alice","discriminator":"0"},"roles":[],"joined_at":"2025-01-01T00:00:00Z"},` +
			`"message":{"id":"701","channel_id":"555","type":0,"content":"","timestamp":"2026-03-02T12:00:00Z","embeds":[],"attachments":[],"mentions":[]},` +
			`"data":{"custom_id":"a","component_type":2}}`)
		status, m := e.post(body, e.clock.Now(), true)
		if r := toReply(t, m); status != http.StatusOK || r.Title != "Not done" || !r.Ephemeral || !strings.Contains(r.Text, "use the slash commands") {
			t.Errorf("a component interaction: %d %+v", status, r)
		}
		if n := e.eventCount(); n != before {
			t.Fatalf("refusals changed the log: %d events, were %d", n, before)
		}
		if _, err := e.svc.DiscordLinkOf(context.Background(), bob); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("a refusal linked bob: %v", err)
		}
	})
}
