package portal_test

import (
	"context"
	"encoding/json"
	"html"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/web/portal"
)

// TestMemberPage: a signed-in member sees every epoch that paid them, explained, with the payout, its proof
// and its Permit2 claim (the epoch's own claim, byte for byte) with the status the chain gives; a claimed
// nonce shows as claimed with its transaction. On SQLite and PostgreSQL.
func TestMemberPage(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := ""
			if backend == "postgres" {
				dsn = postgresDSN(t)
			}
			f := newFixture(t, dsn)
			c := f.client()
			body := html.UnescapeString(f.signIn(c, f.memberKey))
			for _, want := range []string{"Rewards of " + f.member, f.wallet.String(), "Claim status: claimable", "Merkle proof", "scored events",
				f.claims[0].Signature.String(), f.claims[1].Signature.String(), `"primaryType": "PermitTransferFrom"`, "Claim all", "read at block 1000"} {
				if !strings.Contains(body, want) {
					t.Fatalf("member page lacks %q", want)
				}
			}
			// The claim JSON on the page is the signed claim, ready for permitTransferFrom.
			start := strings.Index(body, `{
  "program"`)
			end := strings.Index(body[start:], "</textarea>")
			var got struct {
				Permit          payout.Permit    `json:"permit"`
				Signature       payout.Signature `json:"signature"`
				Owner           payout.Address   `json:"owner"`
				TransferDetails struct {
					To              payout.Address `json:"to"`
					RequestedAmount string         `json:"requestedAmount"`
				} `json:"transferDetails"`
			}
			if err := json.Unmarshal([]byte(body[start:start+end]), &got); err != nil {
				t.Fatalf("claim JSON: %v\n%s", err, body[start:start+end])
			}
			if who, err := payout.RecoverPermitSigner(f.key.Domain, got.Permit, got.Signature); err != nil || who != got.Owner || got.TransferDetails.To != f.wallet ||
				got.TransferDetails.RequestedAmount != got.Permit.Amount.String() {
				t.Fatalf("claim on the page: %+v (signer %s %v)", got, who, err)
			}
			// The newest claim is used on chain, with its transfer in the logs: the page says claimed and names the tx.
			newest := f.claims[0]
			f.node.UseNonce(newest.Owner, newest.Permit.Nonce)
			amount := make([]byte, 32)
			newest.Permit.Amount.FillBytes(amount)
			tx := payout.Keccak256([]byte("the claim"))
			f.node.AddLog(chainLog(newest, amount, tx))
			_, body, _ = f.get(c, "/m/"+url.PathEscape(f.member))
			body = html.UnescapeString(body)
			if !strings.Contains(body, "Claim status: claimed") || !strings.Contains(body, tx.String()) || !strings.Contains(body, "Claim status: claimable") {
				t.Fatalf("after the claim the page does not say claimed with %s", tx)
			}
			// One claim left: nothing to combine.
			if strings.Contains(body, "Combine them") {
				t.Fatal("claim all offered for a single unclaimed claim")
			}
		})
	}
}

// TestClaimAllPage: with two unclaimed claims the member gets one batch permit signed by the owner.
func TestClaimAllPage(t *testing.T) {
	f := newFixture(t, "")
	c := f.client()
	f.signIn(c, f.memberKey)
	token := f.claims[0].Permit.Token.String()
	code, body, _ := f.get(c, "/m/"+url.PathEscape(f.member)+"/claim-all?token="+token)
	body = html.UnescapeString(body)
	if code != http.StatusOK || !strings.Contains(body, `"primaryType": "PermitBatchTransferFrom"`) || !strings.Contains(body, "invalidateUnorderedNonces") {
		t.Fatalf("claim all: %d\n%s", code, body)
	}
	start := strings.Index(body, `{
  "chainId"`)
	end := strings.Index(body[start:], "</textarea>")
	var b struct {
		Permit    json.RawMessage  `json:"permit"`
		Signature payout.Signature `json:"signature"`
		Owner     payout.Address   `json:"owner"`
		Epochs    []string         `json:"epochs"`
	}
	if err := json.Unmarshal([]byte(body[start:start+end]), &b); err != nil || len(b.Epochs) != 2 || b.Owner != f.claims[0].Owner {
		t.Fatalf("batch JSON %v: %s", err, body[start:start+end])
	}
	if code, _, _ := f.get(c, "/m/"+url.PathEscape(f.member)+"/claim-all?token=0xnot"); code != http.StatusBadRequest {
		t.Fatalf("bad token: %d", code)
	}
	// Once handed out, the batch supersedes the single claims: the member's page no longer offers their
	// permits, only the batch, which is the same batch again; no second batch is made over them.
	_, page, _ := f.get(c, "/m/"+url.PathEscape(f.member))
	page = html.UnescapeString(page)
	if !strings.Contains(page, "Claim status: in-batch") || !strings.Contains(page, "Show the batch claim") ||
		strings.Contains(page, f.claims[0].Signature.String()) || strings.Contains(page, f.claims[1].Signature.String()) {
		t.Fatalf("the member page after claim all still offers the single claims:\n%s", page)
	}
	var nonce struct {
		Permit struct {
			Nonce string `json:"nonce"`
		} `json:"permit"`
	}
	if err := json.Unmarshal(b.Permit, &nonce.Permit); err != nil {
		t.Fatal(err)
	}
	code, again, _ := f.get(c, "/m/"+url.PathEscape(f.member)+"/claim-all?token="+token+"&batch="+nonce.Permit.Nonce)
	if code != http.StatusOK || !strings.Contains(html.UnescapeString(again), b.Signature.String()) {
		t.Fatalf("the batch again: %d", code)
	}
	if code, _, _ := f.get(c, "/m/"+url.PathEscape(f.member)+"/claim-all?token="+token); code != http.StatusBadRequest {
		t.Fatalf("a second batch over superseded claims: %d, want 400", code)
	}
}

// TestWalletAndPublicPages: the wallet view needs no sign-in and shows that wallet's claims; a bad address
// is a 400 naming the field; the public epoch page shows root, policy hash and how to verify; the reward
// file's every proof verifies against the root.
func TestWalletAndPublicPages(t *testing.T) {
	f := newFixture(t, "")
	c := f.client()
	code, body, _ := f.get(c, "/claim/wallet?address="+f.wallet.String())
	if code != http.StatusOK || !strings.Contains(body, f.claims[0].Signature.String()) || !strings.Contains(body, "read-only") || strings.Contains(body, "Sign out") {
		t.Fatalf("wallet view: %d", code)
	}
	if code, body, _ := f.get(c, "/claim/wallet?address=0x1234"); code != http.StatusBadRequest || !strings.Contains(body, "address:") {
		t.Fatalf("bad address: %d %s", code, body)
	}
	eps, err := f.svc.PortalEpochs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	code, body, _ = f.get(c, "/epochs")
	if code != http.StatusOK || !strings.Contains(body, "/epochs/"+url.PathEscape(eps[0].ID)) {
		t.Fatalf("epochs: %d", code)
	}
	code, body, _ = f.get(c, "/epochs/"+url.PathEscape(eps[0].ID))
	for _, want := range []string{eps[0].Root, eps[0].PolicyHash, "plaudit verify", f.wallet.String(), "rewards.json"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("epoch page (%d) lacks %q", code, want)
		}
	}
	code, body, _ = f.get(c, "/epochs/"+url.PathEscape(eps[0].ID)+"/rewards.json")
	var rf portal.RewardFile
	if err := json.Unmarshal([]byte(body), &rf); err != nil || code != http.StatusOK {
		t.Fatalf("rewards.json %d %v", code, err)
	}
	root, _ := payout.ParseHash(rf.Root)
	sum := new(big.Int)
	for _, r := range rf.Rewards {
		a, _ := new(big.Int).SetString(r.Amount, 10)
		sum.Add(sum, a)
		if !payout.Verify(root, r.Wallet, a, r.Proof) {
			t.Fatalf("the proof of %s does not verify", r.Wallet)
		}
	}
	if sum.Cmp(eps[0].Paid) != 0 || rf.PolicyHash != eps[0].PolicyHash {
		t.Fatalf("reward file pays %s, the epoch %s", sum, eps[0].Paid)
	}
	if code, _, _ := f.get(c, "/epochs/nope"); code != http.StatusNotFound {
		t.Fatalf("unknown epoch: %d", code)
	}
}

// TestPortalSecurity walks every route: the member routes answer nothing without a session (a redirect to
// sign-in), a member sees only their own page, sign-in and sign-out refuse a form without its CSRF token,
// only member keys sign in, cookies are HttpOnly, SameSite=Strict and Secure over TLS, a session is refused
// after sign-out, after expiry and after its key is revoked, and every answer carries the security headers.
func TestPortalSecurity(t *testing.T) {
	f := newFixture(t, "")
	ctx := context.Background()
	anon := f.client()
	eps, _ := f.svc.PortalEpochs(ctx)
	memberPath := "/m/" + url.PathEscape(f.member)
	// Every route, as nobody.
	routes := map[string]int{
		"GET /claim": http.StatusOK, "POST /claim/login": http.StatusForbidden, "POST /claim/logout": http.StatusSeeOther,
		"GET /claim/wallet": http.StatusBadRequest, "GET /m/{handle}": http.StatusSeeOther, "GET /m/{handle}/claim-all": http.StatusSeeOther,
		"GET /epochs": http.StatusOK, "GET /epochs/{id}": http.StatusOK, "GET /epochs/{id}/rewards.json": http.StatusOK,
		"GET /portal/static/{file}": http.StatusOK,
		"GET /claim/discord":        http.StatusNotFound, "GET /claim/discord/callback": http.StatusNotFound, // not configured here
	}
	p, err := portal.New(portal.Options{Service: f.svc})
	if err != nil {
		t.Fatal(err)
	}
	for pattern := range p.Routes() {
		want, ok := routes[pattern]
		if !ok {
			t.Fatalf("route %s is not walked by this test", pattern)
		}
		method, path, _ := strings.Cut(pattern, " ")
		path = strings.NewReplacer("{handle}", url.PathEscape(f.member), "{id}", url.PathEscape(eps[0].ID), "{file}", "portal.css").Replace(path)
		var code int
		var resp *http.Response
		if method == http.MethodPost {
			code, _, resp = f.post(anon, path, url.Values{})
		} else {
			code, _, resp = f.get(anon, path)
		}
		if code != want {
			t.Errorf("%s as nobody: %d, want %d", pattern, code, want)
		}
		if want == http.StatusSeeOther && strings.HasPrefix(path, "/m/") && resp.Header.Get("Location") != "/claim" {
			t.Errorf("%s as nobody goes to %q", pattern, resp.Header.Get("Location"))
		}
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || strings.Contains(h.Get("Content-Security-Policy"), "script-src") ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: security headers %v", pattern, h)
		}
	}

	// Sign-in without, or with a wrong, CSRF token fails even with a good key.
	c := f.client()
	_, body, _ := f.get(c, "/claim")
	if code, _, _ := f.post(c, "/claim/login", url.Values{"key": {f.memberKey}}); code != http.StatusForbidden {
		t.Fatalf("login without csrf: %d", code)
	}
	if code, _, _ := f.post(c, "/claim/login", url.Values{"key": {f.memberKey}, "csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("login with a forged csrf: %d", code)
	}
	// Only member keys sign in; a wrong key is 401.
	if code, b, _ := f.post(c, "/claim/login", url.Values{"key": {f.adminKey}, "csrf": {f.csrfOf(body)}}); code != http.StatusForbidden || !strings.Contains(b, "member keys only") {
		t.Fatalf("admin key: %d", code)
	}
	_, body, _ = f.get(c, "/claim")
	if code, _, _ := f.post(c, "/claim/login", url.Values{"key": {"plk_wrong"}, "csrf": {f.csrfOf(body)}}); code != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", code)
	}
	_, body, _ = f.get(c, "/claim")
	_, _, resp := f.post(c, "/claim/login", url.Values{"key": {f.memberKey}, "csrf": {f.csrfOf(body)}})
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == portal.SessionCookie {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure || strings.Contains(sess.Value, f.memberKey) {
		t.Fatalf("session cookie %+v", sess)
	}
	// Behind a TLS proxy the cookie is Secure.
	req, _ := http.NewRequest(http.MethodGet, f.url+"/claim", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if cs := r2.Cookies(); len(cs) == 0 || !cs[0].Secure {
		t.Fatalf("cookie over TLS: %+v", cs)
	}
	// Signed in: own page yes, another member's page no, /claim goes to one's page.
	if code, _, _ := f.get(c, memberPath); code != http.StatusOK {
		t.Fatalf("own page: %d", code)
	}
	if code, _, _ := f.get(c, "/m/"+url.PathEscape(f.other)); code != http.StatusForbidden {
		t.Fatalf("another member's page: %d", code)
	}
	if code, _, r := f.get(c, "/claim"); code != http.StatusSeeOther || r.Header.Get("Location") != memberPath {
		t.Fatalf("/claim signed in: %d %s", code, r.Header.Get("Location"))
	}
	// The API does not take the session cookie (nor a key in a cookie).
	req, _ = http.NewRequest(http.MethodGet, f.url+"/v1/epochs", nil)
	req.AddCookie(sess)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with the portal cookie: %v %v", r.StatusCode, err)
	}
	// Sign-out needs the session's CSRF token; afterwards the cookie is refused.
	_, page, _ := f.get(c, memberPath)
	if code, _, _ := f.post(c, "/claim/logout", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("logout with a forged csrf: %d", code)
	}
	if code, _, _ := f.post(c, "/claim/logout", url.Values{"csrf": {f.csrfOf(page)}}); code != http.StatusSeeOther {
		t.Fatalf("logout: %d", code)
	}
	replay := f.client()
	u, _ := url.Parse(f.url)
	replay.Jar.SetCookies(u, []*http.Cookie{{Name: portal.SessionCookie, Value: sess.Value, Path: "/"}})
	if code, _, r := f.get(replay, memberPath); code != http.StatusSeeOther || r.Header.Get("Location") != "/claim" {
		t.Fatalf("cookie after logout: %d", code)
	}
	// Expiry: a session an hour old (the fixture's TTL) is refused.
	c2 := f.client()
	f.signIn(c2, f.memberKey)
	f.clock.add(time.Hour + time.Second)
	if code, _, _ := f.get(c2, memberPath); code != http.StatusSeeOther {
		t.Fatalf("expired session: %d", code)
	}
	// Revoking the key ends its sessions at once.
	c3 := f.client()
	f.signIn(c3, f.otherKey)
	keys, _ := f.svc.Keys(ctx)
	for _, k := range keys {
		if k.Member == f.other {
			if _, err := f.svc.RevokeKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if code, _, _ := f.get(c3, "/m/"+url.PathEscape(f.other)); code != http.StatusSeeOther {
		t.Fatalf("revoked key's session: %d", code)
	}
	// A bad static name is 404, not a file outside the folder.
	if code, _, _ := f.get(anon, "/portal/static/..%2fportal.go"); code != http.StatusNotFound {
		t.Fatalf("static traversal: %d", code)
	}
}

// TestFormatUnits: exact decimal rendering of base units.
func TestFormatUnits(t *testing.T) {
	for _, c := range []struct {
		v    int64
		d    int
		want string
	}{{1_500_000, 6, "1.5"}, {1, 6, "0.000001"}, {0, 6, "0"}, {123, 0, "123"}, {-2_500_000, 6, "-2.5"}, {1_000_000, 6, "1"}} {
		if got := portal.FormatUnits(big.NewInt(c.v), c.d); got != c.want {
			t.Errorf("FormatUnits(%d, %d) = %s, want %s", c.v, c.d, got, c.want)
		}
	}
}
