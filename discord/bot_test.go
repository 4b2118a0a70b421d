package discord_test

import (
	"context"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/disgoorg/snowflake/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
	"github.com/plaudit/plaudit/discord"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

var admin = []string{adminRole}

// TestInteractionSecurity: PING gets PONG; a bad signature, a timestamp older than five minutes and a
// replayed interaction id are refused with 401 and change nothing.
func TestInteractionSecurity(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newEnv(t, st, false)
		ping := []byte(`{"id":"800000000000000001","application_id":"` + appID + `","type":1,"token":"tok","version":1}`)
		if status, m := e.post(ping, e.clock.Now(), true); status != http.StatusOK || m["type"].(float64) != 1 {
			t.Fatalf("ping: %d %v", status, m)
		}
		if status, _ := e.post(ping, e.clock.Now(), true); status != http.StatusUnauthorized {
			t.Fatalf("replayed ping: %d, want 401", status)
		}

		before := e.eventCount()
		connect := e.interaction(alice, nil, "connect", str("handle", "alice"))
		if status, _ := e.post(connect, e.clock.Now(), false); status != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d, want 401", status)
		}
		if status, _ := e.post(connect, e.clock.Now().Add(-6*time.Minute), true); status != http.StatusUnauthorized {
			t.Fatalf("old timestamp: %d, want 401", status)
		}
		if status, _ := e.post(connect, e.clock.Now().Add(6*time.Minute), true); status != http.StatusUnauthorized {
			t.Fatalf("timestamp from the future: %d, want 401", status)
		}
		// A tampered body under a good signature of the original.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+discord.InteractionsPath, strings.NewReader(string(connect)+" "))
		req.Header.Set("X-Signature-Ed25519", "00")
		req.Header.Set("X-Signature-Timestamp", "1")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("malformed signature: %v %v", resp, err)
		}
		if n := e.eventCount(); n != before {
			t.Fatalf("refused interactions changed the log: %d events, were %d", n, before)
		}
		if _, err := e.svc.DiscordLinkOf(context.Background(), alice); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("refused interactions linked alice: %v", err)
		}

		// The same interaction, signed and fresh, is answered once; its replay is 401 and links nothing more.
		if status, m := e.post(connect, e.clock.Now(), true); status != http.StatusOK || !strings.HasPrefix(toReply(t, m).Title, "Linked @Alice") {
			t.Fatalf("signed connect: %d %v", status, m)
		}
		after := e.eventCount()
		if status, _ := e.post(connect, e.clock.Now(), true); status != http.StatusUnauthorized {
			t.Fatalf("replayed connect: %d, want 401", status)
		}
		if n := e.eventCount(); n != after {
			t.Fatalf("a replay changed the log: %d events, were %d", n, after)
		}
	})
}

// TestConnect: /connect without OAuth normalises the handle, links the X account unverified and says so;
// it refuses a handle linked to another member, a second account, a malformed handle and an unknown one.
func TestConnect(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		r := e.command(alice, nil, "connect", str("handle", "  @ALICE "))
		if r.Title != "Linked @Alice (unverified)" || !r.Ephemeral || !strings.Contains(r.Text, "Token payouts wait until an admin verifies") {
			t.Fatalf("connect: %+v", r)
		}
		l, err := e.svc.DiscordLinkOf(ctx, alice)
		if err != nil || l.XID != aliceX || l.Member != "alice" || l.Verified {
			t.Fatalf("link: %+v %v", l, err)
		}
		m, err := e.svc.Member(ctx, "x:"+aliceX)
		if err != nil || m.Handle != "alice" {
			t.Fatalf("member of x:%s: %+v %v", aliceX, m, err)
		}
		for _, c := range []struct {
			user, handle, want string
		}{
			{bob, "alice", "linked to another member"},
			{alice, "bob_b", "you are linked to @Alice already"},
			{bob, "not a handle!", "want 1 to 15 letters"},
			{bob, "nobody", "X has no account @nobody"},
		} {
			r := e.command(c.user, nil, "connect", str("handle", c.handle))
			if r.Title != "Not done" || !r.Ephemeral || !strings.Contains(r.Text, c.want) {
				t.Errorf("connect %s as %q: %+v, want an ephemeral refusal with %q", c.user, c.handle, r, c.want)
			}
		}
		if _, err := e.svc.DiscordLinkOf(ctx, bob); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("a refused connect linked bob: %v", err)
		}
		// Reconnecting the same account changes nothing.
		n := e.eventCount()
		e.connect(alice, "alice")
		if e.eventCount() != n {
			t.Fatal("reconnecting the same account appended a link")
		}
	})
}

// TestConnectOAuth: with X OAuth, /connect answers with a one-time link; it redirects to X with a PKCE
// S256 challenge, and the callback records a verified link only after X confirms the account. A used
// state and a different account are refused.
func TestConnectOAuth(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, true)
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

		start := func(user, handle string) (state, challenge string) {
			t.Helper()
			r := e.command(user, nil, "connect", str("handle", handle))
			m := regexp.MustCompile(`https://rewards\.example\.org/connect/x\?state=([A-Za-z0-9_%-]+)`).FindStringSubmatch(r.Text)
			if m == nil || !r.Ephemeral {
				t.Fatalf("connect with oauth: %+v", r)
			}
			state, _ = url.QueryUnescape(m[1])
			resp, err := noRedirect.Get(e.srv.URL + discord.ConnectPath + "?state=" + url.QueryEscape(state))
			if err != nil || resp.StatusCode != http.StatusFound {
				t.Fatalf("GET /connect/x: %v %v", resp, err)
			}
			loc, _ := url.Parse(resp.Header.Get("Location"))
			q := loc.Query()
			if loc.Host != "x.com" || q.Get("state") != state || q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "client-1" ||
				q.Get("redirect_uri") != "https://rewards.example.org/connect/x/callback" || q.Get("response_type") != "code" {
				t.Fatalf("redirect to X: %s", loc)
			}
			return state, q.Get("code_challenge")
		}
		callback := func(state, code string) (int, string) {
			resp, err := http.Get(e.srv.URL + discord.CallbackPath + "?state=" + url.QueryEscape(state) + "&code=" + code)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b := new(strings.Builder)
			_, _ = io_copy(b, resp)
			return resp.StatusCode, b.String()
		}

		state, challenge := start(alice, "@alice")
		if _, err := e.svc.DiscordLinkOf(ctx, alice); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("linked before X confirmed: %v", err)
		}
		e.x.mu.Lock()
		e.x.codes["code-a"] = codeGrant{challenge: challenge, user: aliceX}
		e.x.mu.Unlock()
		if status, body := callback(state, "code-a"); status != http.StatusOK || !strings.Contains(body, "Linked @Alice") {
			t.Fatalf("callback: %d %s", status, body)
		}
		l, err := e.svc.DiscordLinkOf(ctx, alice)
		if err != nil || !l.Verified || l.VerifiedBy != "x-oauth" || l.XID != aliceX {
			t.Fatalf("verified link: %+v %v", l, err)
		}
		if status, body := callback(state, "code-a"); status != http.StatusBadRequest || !strings.Contains(body, "used already or has expired") {
			t.Fatalf("reused state: %d %s", status, body)
		}

		// Bob asks for bob_b but signs in to X as carol: nothing is linked.
		state, challenge = start(bob, "bob_b")
		e.x.mu.Lock()
		e.x.codes["code-b"] = codeGrant{challenge: challenge, user: carolX}
		e.x.mu.Unlock()
		if status, body := callback(state, "code-b"); status != http.StatusBadRequest || !strings.Contains(body, "as @carol, not @bob_b") {
			t.Fatalf("another account: %d %s", status, body)
		}
		if _, err := e.svc.DiscordLinkOf(ctx, bob); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("bob linked with carol's account: %v", err)
		}
		// A code exchanged without the verifier's challenge is refused by X.
		state, _ = start(bob, "bob_b")
		e.x.mu.Lock()
		e.x.codes["code-c"] = codeGrant{challenge: "wrong", user: bobX}
		e.x.mu.Unlock()
		if status, _ := callback(state, "code-c"); status != http.StatusBadGateway {
			t.Fatalf("bad PKCE: %d", status)
		}
	})
}

func io_copy(b *strings.Builder, resp *http.Response) (int64, error) {
	buf := make([]byte, 4096)
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		b.Write(buf[:k])
		n += int64(k)
		if err != nil {
			return n, nil
		}
	}
}

var announceMessages = regexp.MustCompile(`^/channels/` + announce + `/messages$`)

// TestSubmit: /submit accepts x.com and twitter.com links in their forms, records an x submit event the
// X poller follows, announces it, and refuses duplicates, others' posts (unless from an admin), members
// without a link, malformed links and posts X does not show.
func TestSubmit(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.connect(bob, "bob_b")

		r := e.command(alice, nil, "submit", str("url", "https://mobile.twitter.com/Alice/status/1790000000000000001?s=20&t=abc"), str("category", "launch"))
		if r.Title != "Submitted" || !r.Ephemeral || !strings.Contains(r.Text, "every 30m0s") {
			t.Fatalf("submit: %+v", r)
		}
		ev, err := st.EventByKey(ctx, plaudit.SourceX, "submit:1790000000000000001")
		if err != nil || ev.Kind != plaudit.KindSubmit || ev.Target != "1790000000000000001" || ev.TargetAuthor != aliceX || ev.Actor != aliceX {
			t.Fatalf("submit event: %+v %v", ev, err)
		}
		if c, _ := ev.AttrString("category"); c != "launch" {
			t.Fatalf("category: %v", ev.Attrs)
		}
		ann := e.dc.sent(http.MethodPost, announceMessages)
		if len(ann) != 1 || !strings.Contains(toJSON(ann[0].Body), "x.com/Alice/status/1790000000000000001") {
			t.Fatalf("announcements: %+v", ann)
		}

		for _, c := range []struct {
			user  string
			roles []string
			url   string
			want  string
		}{
			{alice, nil, "x.com/alice/status/1790000000000000001", "submitted already"},
			{bob, nil, "https://x.com/alice/status/1790000000000000003", "not by your linked account @bob_b"},
			{carol, nil, "https://x.com/bob_b/status/1790000000000000002", "has not connected an X account"},
			{alice, nil, "https://example.com/alice/status/1790000000000000003", "is not a link to an X post"},
			{alice, nil, "https://x.com/alice/likes", "is not a link to an X post"},
			{alice, nil, "https://x.com/alice/status/1790000000000000099", "X does not show post 1790000000000000099"},
		} {
			r := e.command(c.user, c.roles, "submit", str("url", c.url))
			if r.Title != "Not done" || !r.Ephemeral || !strings.Contains(r.Text, c.want) {
				t.Errorf("submit %s by %s: %+v, want %q", c.url, c.user, r, c.want)
			}
		}
		if _, err := st.EventByKey(ctx, plaudit.SourceX, "submit:1790000000000000003"); plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
			t.Fatalf("a refused submission was stored: %v", err)
		}
		// An admin without a link may submit anyone's post; its author is its submitter.
		if r := e.command(carol, admin, "submit", str("url", "https://www.x.com/bob_b/status/1790000000000000002")); r.Title != "Submitted" {
			t.Fatalf("admin submit: %+v", r)
		}
		if ev, err := st.EventByKey(ctx, plaudit.SourceX, "submit:1790000000000000002"); err != nil || ev.Actor != bobX {
			t.Fatalf("admin's submission: %+v %v", ev, err)
		}
		if n := len(e.dc.sent(http.MethodPost, announceMessages)); n != 2 {
			t.Fatalf("%d announcements, want 2", n)
		}
	})
}

func toJSON(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// engage appends an X engagement of kind by actor on post (by author) at t.
func (e *env) engage(kind plaudit.Kind, actor, post, author string, at time.Time) {
	e.t.Helper()
	ev := plaudit.Event{Source: plaudit.SourceX, ExternalID: string(kind) + ":" + actor + ":" + post, Kind: kind, Actor: actor, Target: post,
		TargetAuthor: author, Time: at}
	if kind == plaudit.KindReply {
		ev.ExternalID = "r" + actor + post
		ev.Content = "nice one"
		ev.Attrs = map[string]any{"mentioned": []any{}, "hashtags": []any{}}
	}
	res, err := e.svc.AppendEvents(context.Background(), []plaudit.Event{ev})
	if err != nil || res[0].Status != plaudit.Accepted {
		e.t.Fatalf("append %s: %+v %v", kind, res, err)
	}
}

// TestStatsLeaderboardTier: /stats shows points after verdicts, tier, rank and the last awards with
// explanation links; /leaderboard the top and the caller's rank; /tier is refused to non-admins and, from
// an admin, prices the member's next engagements by the new tier.
func TestStatsLeaderboardTier(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.connect(bob, "bob_b")
		e.command(alice, nil, "submit", str("url", "https://x.com/alice/status/1790000000000000001"))
		e.command(bob, nil, "submit", str("url", "https://x.com/bob_b/status/1790000000000000002"))
		// Engagements seen before the submission count (the seed's batch job checks a post when it runs).
		e.engage(plaudit.KindLike, bobX, "1790000000000000001", aliceX, start.Add(-2*time.Hour))
		e.engage(plaudit.KindReply, bobX, "1790000000000000001", aliceX, start.Add(-time.Hour))
		e.engage(plaudit.KindLike, aliceX, "1790000000000000002", bobX, start.Add(-2*time.Hour))
		if _, err := e.svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}

		r := e.command(bob, nil, "stats")
		for _, want := range []string{"All time: 4", "This week: 4", "Tier: 1", "Rank: #1 of 2", "+3 tiered.reply",
			"[Your portal page](https://rewards.example.org/m/bob)"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("stats of bob: %q lacks %q", r.Text, want)
			}
		}
		// No epoch holds the awards yet, so no award links a section; nothing links the key-protected API.
		if strings.Contains(r.Text, "[why]") || strings.Contains(r.Text, "/v1/") {
			t.Errorf("stats of bob before any epoch closed: %q", r.Text)
		}
		if !r.Ephemeral || r.Title != "Stats of @bob_b" {
			t.Errorf("stats: %+v", r)
		}
		if r := e.command(alice, nil, "stats", userOpt("user", bob)); !strings.Contains(r.Text, "All time: 4") {
			t.Errorf("stats of another member: %+v", r)
		}
		if r := e.command(carol, nil, "stats"); !strings.Contains(r.Text, "has not connected") {
			t.Errorf("stats without a link: %+v", r)
		}

		r = e.command(alice, nil, "leaderboard")
		if r.Ephemeral || !strings.Contains(r.Text, "1. bob: 4\n2. alice: 1") || !strings.Contains(r.Text, "You: #2 of 2: 1") {
			t.Errorf("leaderboard: %+v", r)
		}
		if r := e.command(carol, nil, "leaderboard", str("window", "week")); !strings.Contains(r.Text, "You: not on this board yet") ||
			r.Title != "Leaderboard: this week" {
			t.Errorf("weekly leaderboard: %+v", r)
		}
		if r := e.command(alice, nil, "leaderboard", str("window", "epoch")); !strings.Contains(r.Text, "no epoch has closed yet") {
			t.Errorf("epoch leaderboard before a close: %+v", r)
		}

		if r := e.command(alice, nil, "tier", userOpt("user", bob), integer("level", 3)); !strings.Contains(r.Text, "for admins") {
			t.Fatalf("tier by a non-admin: %+v", r)
		}
		if r := e.command(carol, admin, "tier", userOpt("user", bob), integer("level", 0)); !strings.Contains(r.Text, "from 1 to 100") {
			t.Fatalf("tier 0: %+v", r)
		}
		r = e.command(carol, admin, "tier", userOpt("user", bob), integer("level", 3))
		if r.Title != "Tier set" || !strings.Contains(r.Text, "bob (<@"+bob+">) is tier 3") {
			t.Fatalf("tier by an admin: %+v", r)
		}
		d, err := e.svc.Member(ctx, "bob")
		if err != nil || d.Tier != 3 || !strings.Contains(d.History[len(d.History)-1].Event, "plaudit/op-") {
			t.Fatalf("bob after /tier: %+v %v", d, err)
		}
		ev, err := st.EventByKey(ctx, plaudit.SourcePlaudit, strings.TrimPrefix(d.History[len(d.History)-1].Event, "plaudit/"))
		if by, _ := ev.AttrString("by"); err != nil || by != "discord:"+carol {
			t.Fatalf("tier recorded by %q (%v)", by, err)
		}
		e.clock.Set(start.Add(3 * time.Hour))
		e.engage(plaudit.KindRepost, bobX, "1790000000000000001", aliceX, start.Add(4*time.Hour))
		if _, err := e.svc.Rescore(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if r := e.command(bob, nil, "stats"); !strings.Contains(r.Text, "All time: 10") || !strings.Contains(r.Text, "Tier: 3") {
			t.Errorf("a tier-3 repost is 6 points: %+v", r)
		}
	})
}

// TestWalletVerifyClaim: /wallet refuses a bad EIP-55 checksum; an unverified link keeps the wallet
// waiting (no payout wallet) until an admin's /verify records it; /claim says there is nothing yet.
func TestWalletVerifyClaim(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		if r := e.command(alice, nil, "wallet", str("address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")); !strings.Contains(r.Text, "has not connected") {
			t.Fatalf("wallet without a link: %+v", r)
		}
		e.connect(alice, "alice")
		if r := e.command(alice, nil, "wallet", str("address", "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")); r.Title != "Not done" || !strings.Contains(r.Text, "checksum") {
			t.Fatalf("bad checksum: %+v", r)
		}
		r := e.command(alice, nil, "wallet", str("address", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))
		if r.Title != "Wallet kept until your link is verified" {
			t.Fatalf("wallet of an unverified link: %+v", r)
		}
		if m, _ := e.svc.Member(ctx, "alice"); len(m.Wallets) != 0 {
			t.Fatalf("an unverified member got a payout wallet: %v", m.Wallets)
		}
		if r := e.command(bob, nil, "verify", userOpt("user", alice)); !strings.Contains(r.Text, "for admins") {
			t.Fatalf("verify by a non-admin: %+v", r)
		}
		if r := e.command(carol, admin, "verify", userOpt("user", alice)); r.Title != "Link verified" {
			t.Fatalf("verify: %+v", r)
		}
		if m, _ := e.svc.Member(ctx, "alice"); len(m.Wallets) != 1 || m.Wallets[0] != "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed" {
			t.Fatalf("wallet after verify: %v", m.Wallets)
		}
		if r := e.command(alice, nil, "wallet", str("address", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")); r.Title != "Wallet registered" {
			t.Fatalf("wallet of a verified link: %+v", r)
		}
		if r := e.command(alice, nil, "claim"); r.Title != "No payouts" {
			t.Fatalf("claim: %+v", r)
		}
		if r := e.command(alice, nil, "notify", str("setting", "off")); r.Title != "Notices off" {
			t.Fatalf("notify off: %+v", r)
		}
	})
}

var followUps = regexp.MustCompile(`^/webhooks/` + appID + `/itoken-\d+$`)

// TestDeferred: a command slower than the deadline is deferred (type 5, ephemeral) and finished by a
// follow-up message through the REST API.
func TestDeferred(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.bot.Deadline = time.Nanosecond
		r := e.command(alice, nil, "stats")
		if r.Type != 5 || !r.Ephemeral {
			t.Fatalf("deferred answer: %+v", r)
		}
		e.bot.Wait()
		fu := e.dc.sent(http.MethodPost, followUps)
		if len(fu) != 1 || !strings.Contains(toJSON(fu[0].Body), "Stats of @Alice") {
			t.Fatalf("follow-ups: %+v", fu)
		}
	})
}

// TestRoleSync: members get the role of their tier, lose the other tier roles (and keep roles the bot
// does not manage), and lose a role when they drop below its tier; members gone from the server are
// counted, not failed on.
func TestRoleSync(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.connect(bob, "bob_b")
		e.connect(carol, "carol")
		if _, err := e.svc.SetTier(ctx, "alice", 2, "test"); err != nil {
			t.Fatal(err)
		}
		e.dc.roles[alice] = []string{}
		e.dc.roles[bob] = []string{tier3Role, "999"}
		res, err := e.bot.SyncRoles(ctx)
		if err != nil || res != (discord.RoleSync{Checked: 3, Added: 2, Removed: 1, Absent: 1}) {
			t.Fatalf("sync: %+v %v", res, err)
		}
		if got := strings.Join(e.dc.roles[alice], ","); got != tier2Role {
			t.Fatalf("alice's roles: %s", got)
		}
		if got := strings.Join(e.dc.roles[bob], ","); got != "999,"+tier1Role {
			t.Fatalf("bob's roles: %s", got)
		}
		if res, err := e.bot.SyncRoles(ctx); err != nil || res.Added+res.Removed != 0 {
			t.Fatalf("a second sync changed roles: %+v %v", res, err)
		}
		e.clock.Set(start.Add(time.Hour))
		if _, err := e.svc.SetTier(ctx, "alice", 1, "test"); err != nil {
			t.Fatal(err)
		}
		if res, err := e.bot.SyncRoles(ctx); err != nil || res.Added != 1 || res.Removed != 1 {
			t.Fatalf("sync after a drop: %+v %v", res, err)
		}
		if got := strings.Join(e.dc.roles[alice], ","); got != tier1Role {
			t.Fatalf("alice's roles after dropping to tier 1: %s", got)
		}
	})
}

var roleChanges = regexp.MustCompile(`^/guilds/` + guildID + `/members/\d+/roles/\d+$`)

// TestRoleSyncRateLimited: a 429 from Discord is waited out (Retry-After) and the change retried, not
// failed.
func TestRoleSyncRateLimited(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.dc.roles[alice] = []string{}
		e.dc.limit429 = 1
		res, err := e.bot.SyncRoles(ctx)
		if err != nil || res.Added != 1 || strings.Join(e.dc.roles[alice], ",") != tier1Role {
			t.Fatalf("sync under a rate limit: %+v %v, roles %v", res, err, e.dc.roles[alice])
		}
		puts := e.dc.sent(http.MethodPut, roleChanges)
		if len(puts) != 2 {
			t.Fatalf("%d role requests, want the limited one and its retry", len(puts))
		}
		e.dc.mu.Lock()
		var at []time.Time
		for i, r := range e.dc.requests {
			if r.Method == http.MethodPut && roleChanges.MatchString(r.Path) {
				at = append(at, e.dc.times[i])
			}
		}
		e.dc.mu.Unlock()
		if wait := at[1].Sub(at[0]); wait < 900*time.Millisecond {
			t.Fatalf("retried after %s, before Retry-After (1s)", wait)
		}
	})
}

var dmMessages = regexp.MustCompile(`^/channels/9\d+/messages$`)

// TestNoticesOnce: a closed epoch is announced once and each paid member gets one DM with the amount and
// claim link, even when the job fails halfway and is retried; a member who opted out gets none.
func TestNoticesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		e := newEnv(t, st, false)
		e.connect(alice, "alice")
		e.connect(bob, "bob_b")
		e.connect(carol, "carol")
		for _, u := range []string{alice, bob, carol} {
			if _, err := e.svc.DiscordVerify(ctx, "admin", u); err != nil {
				t.Fatal(err)
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
		e.command(carol, nil, "notify", str("setting", "off"))

		e.clock.Set(time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
		res, err := e.svc.CloseEpochs(ctx, service.CloseRequest{Through: e.clock.Now()})
		if err != nil || len(res.Epochs) == 0 {
			t.Fatalf("close: %+v %v", res, err)
		}

		e.dc.failDM[bob] = http.StatusInternalServerError // bob's DM fails once: the job errs and is retried
		n, err := e.bot.SendNotices(ctx)
		if err == nil || n.Announced != 1 || n.DMs != 1 {
			t.Fatalf("first run: %+v %v, want 1 announcement, alice's DM and an error for bob's", n, err)
		}
		// Discord refused bob's DM with an error status, so nothing was posted and no "sending" marker is
		// left: a retry long after the nonce window still sends it.
		e.clock.Set(e.clock.Now().Add(10 * time.Minute))
		n, err = e.bot.SendNotices(ctx)
		if err != nil || n.Announced != 0 || n.DMs != 1 || n.OptedOut != 1 {
			t.Fatalf("retry: %+v %v, want only bob's DM", n, err)
		}
		n, err = e.bot.SendNotices(ctx)
		if err != nil || n.Announced != 0 || n.DMs != 0 {
			t.Fatalf("third run: %+v %v, want nothing", n, err)
		}
		ann := e.dc.sent(http.MethodPost, announceMessages)
		var epochAnn []request
		for _, a := range ann {
			if strings.Contains(toJSON(a.Body), "Epoch closed") {
				epochAnn = append(epochAnn, a)
			}
		}
		if len(epochAnn) != 1 || !strings.Contains(toJSON(epochAnn[0].Body), "1. ") {
			t.Fatalf("epoch announcements: %+v", epochAnn)
		}
		dms := e.dc.sent(http.MethodPost, dmMessages)
		if len(dms) != 3 { // alice's, bob's failed one, bob's retry; none to carol
			t.Fatalf("%d DM requests, want 3: %+v", len(dms), dms)
		}
		// The DM links the portal's keyless page of the paid wallet, at the epoch's section.
		if want := "[Claim it](https://rewards.example.org/claim/wallet?address=0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed#e-acme@2026-03-02T00:00:00Z)"; !strings.Contains(dmText(dms[0]), want) {
			t.Fatalf("alice's DM %q lacks %q", dmText(dms[0]), want)
		}
		if !strings.Contains(toJSON(epochAnn[0].Body), "(https://rewards.example.org/epochs/acme@2026-03-02T00:00:00Z)") {
			t.Fatalf("the announcement does not link the public epoch page: %s", toJSON(epochAnn[0].Body))
		}
		r := e.command(bob, nil, "claim")
		if want := "acme@2026-03-02T00:00:00Z: 200 to `0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359` ([claim](https://rewards.example.org/claim/wallet?address=0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359#e-acme@2026-03-02T00:00:00Z))"; r.Title != "Your payouts" || !strings.Contains(r.Text, want) {
			t.Fatalf("claim after the close: %+v, want %q", r, want)
		}
		// /stats links each award of the closed epoch to its section of the member's portal page.
		if r := e.command(bob, nil, "stats"); !strings.Contains(r.Text, "([why](https://rewards.example.org/m/bob#e-acme@2026-03-02T00:00:00Z))") {
			t.Fatalf("stats after the close: %q", r.Text)
		}
		if r := e.command(bob, nil, "leaderboard", str("window", "epoch")); r.Title != "Leaderboard: last epoch" {
			t.Fatalf("epoch leaderboard: %+v", r)
		}

		// ENG roles: the epoch minted ENG by points; the role of 2 ENG goes to whoever holds 2 ENG or more.
		e.bot.ENGRoles = map[int64]snowflake.ID{2: snowflake.MustParse("402")}
		for _, u := range []string{alice, bob, carol} {
			e.dc.roles[u] = []string{"402"}
		}
		if _, err := e.bot.SyncRoles(ctx); err != nil {
			t.Fatal(err)
		}
		holders := 0
		for u, h := range map[string]string{alice: "alice", bob: "bob", carol: "carol"} {
			st, err := e.svc.ENGStatus(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			w := new(big.Int).Add(st.Stake, st.Delegated)
			has := slices.Contains(e.dc.roles[u], "402")
			if want := w.Cmp(big.NewInt(2_000_000)) >= 0; has != want {
				t.Errorf("%s holds %s ENG units: ENG role %v, want %v", h, w, has, want)
			}
			if has {
				holders++
			}
		}
		if holders != 1 {
			t.Fatalf("%d members hold the 2-ENG role, want carol alone (3 points)", holders)
		}
	})
}

var registered = regexp.MustCompile(`^/applications/` + appID + `/guilds/` + guildID + `/commands$`)

// TestRegister: register bulk-overwrites the guild's commands with every command of the bot.
func TestRegister(t *testing.T) {
	dc := newFakeDiscord(t)
	t.Setenv("TEST_BOT_TOKEN", "bot-token")
	cfg, err := config.Parse([]byte(`discord:
  application_id: "`+appID+`"
  public_key: "`+strings.Repeat("ab", 32)+`"
  bot_token: env:TEST_BOT_TOKEN
  api_url: `+dc.srv.URL+`
  guild_id: "`+guildID+`"
`), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := discord.New(cfg.Discord, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := discord.Register(context.Background(), b.REST, b.ApplicationID, b.GuildID)
	if err != nil || len(cmds) != 9 {
		t.Fatalf("register: %d commands, %v", len(cmds), err)
	}
	reqs := dc.sent(http.MethodPut, registered)
	if len(reqs) != 1 {
		t.Fatalf("requests: %+v", dc.requests)
	}
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, ","); got != "connect,submit,stats,leaderboard,tier,verify,wallet,claim,notify" {
		t.Fatalf("commands: %s", got)
	}
}
