// Package portal is the member portal of `plaudit serve`: server-rendered pages (html/template, every asset
// embedded, no script) where a member signs in with a member key, or anyone enters a wallet address, to see
// their points per epoch explained, their payouts, and for each payout the Merkle proof and the Permit2
// claim ready for a wallet, with its true status on chain when a node is configured; "claim all" combines a
// member's unclaimed claims of one token into one batch signature. Public read-only pages show each
// published epoch's reward file, Merkle root and policy hash, and how to check them with `plaudit verify`.
//
// Every use case is a service call (service.MemberPayouts, WalletPayouts, ClaimStatuses, ClaimAll,
// PortalEpochs, EpochExplain, EpochTree); this package only renders. Routes:
//
//	GET  /claim                   sign-in (member key) or a wallet address; a signed-in member goes to /m/HANDLE
//	POST /claim/login             the member key form (CSRF checked), sets the session cookie
//	POST /claim/logout            ends the session (CSRF checked)
//	GET  /claim/discord           Sign in with Discord, when configured (discord_signin.go)
//	GET  /claim/discord/callback  Discord's redirect back: a session for the member a /connect links
//	GET  /claim/wallet?address=   the read-only view of one wallet's payouts and claims
//	GET  /m/{handle}              the signed-in member's page (only their own)
//	GET  /m/{handle}/claim-all    one PermitBatchTransferFrom over their unclaimed claims of ?token=
//	GET  /epochs                  the published epochs
//	GET  /epochs/{id}             one epoch's reward file, root, policy hash and how to verify it
//	GET  /epochs/{id}/rewards.json the reward file as JSON
//	GET  /portal/static/{file}    the embedded stylesheet
package portal

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/api"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/settle"
	"github.com/plaudit/plaudit/web/discordauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// DefaultSessionTTL is how long a member's session lasts unless Options.SessionTTL says otherwise.
const DefaultSessionTTL = 12 * time.Hour

// ContentSecurityPolicy is every page's CSP: nothing but the portal's own stylesheet, no script at all, no
// framing, forms posting only to the portal.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Options configure a Portal.
type Options struct {
	// Service is the application layer every page reads through.
	Service *service.Service
	// Claims signs the Permit2 claims shown (the payout section); nil shows payouts and proofs without claims.
	Claims *service.ClaimKey
	// Chain is the node claims' statuses are read from (the chain section); a nil Reader shows them unknown.
	Chain service.ChainView
	// Logger receives what goes wrong; slog.Default() when nil.
	Logger *slog.Logger
	// SessionTTL is how long a session lasts; DefaultSessionTTL when 0.
	SessionTTL time.Duration
	// Now is the clock (time.Now when nil): claims' deadlines. Sessions expire by the service's clock.
	Now func() time.Time
	// Discord, when set, offers "Sign in with Discord" (discord_signin.go); its redirect is
	// PUBLIC_URL/claim/discord/callback and its scope identify.
	Discord *discordauth.Client
}

// Portal serves the member portal's routes. Create it with New and add its routes with Mount.
type Portal struct {
	svc      *service.Service
	claims   *service.ClaimKey
	chain    service.ChainView
	log      *slog.Logger
	now      func() time.Time
	sessions *sessions
	pages    map[string]*template.Template
	discord  *discordauth.Client
}

// New returns a Portal over o.Service.
func New(o Options) (*Portal, error) {
	if o.Service == nil {
		return nil, fmt.Errorf("portal: no service")
	}
	p := &Portal{svc: o.Service, claims: o.Claims, chain: o.Chain, log: o.Logger, now: o.Now, pages: map[string]*template.Template{}, discord: o.Discord}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.now == nil {
		p.now = time.Now
	}
	ttl := o.SessionTTL
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	p.sessions = newSessions(o.Service, ttl, p.log)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("portal: template %s: %w", n, err)
		}
		p.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return p, nil
}

// Routes lists the portal's route patterns (Go ServeMux patterns), each of which Mount adds.
func (p *Portal) Routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /claim":                    p.signIn,
		"POST /claim/login":             p.login,
		"POST /claim/logout":            p.logout,
		"GET " + DiscordLoginPath:       p.discordLogin,
		"GET " + DiscordCallbackPath:    p.discordCallback,
		"GET /claim/wallet":             p.wallet,
		"GET /m/{handle}":               p.member,
		"GET /m/{handle}/claim-all":     p.claimAll,
		"GET /epochs":                   p.epochs,
		"GET /epochs/{id}":              p.epoch,
		"GET /epochs/{id}/rewards.json": p.rewardsJSON,
		"GET /portal/static/{file}":     p.static,
	}
}

// Mount adds every route with add, wrapped in the portal's security headers. The routes authenticate
// themselves (a session cookie), so they are added to the API server as public routes.
func (p *Portal) Mount(add func(pattern string, h http.Handler)) {
	for pattern, h := range p.Routes() {
		add(pattern, secure(h))
	}
}

// secure sets the headers every portal answer carries.
func secure(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", ContentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h(w, r)
	})
}

var funcs = template.FuncMap{
	"short": func(s string) string {
		if len(s) > 14 {
			return s[:8] + "…" + s[len(s)-4:]
		}
		return s
	},
	"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"path": url.PathEscape,
}

// render writes page with data and status.
func (p *Portal) render(w http.ResponseWriter, status int, page string, data any) {
	t := p.pages[page]
	var buf bytes.Buffer
	if t == nil {
		p.log.Error("portal: no such page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, data); err != nil {
		p.log.Error("portal: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Title   string
	Status  int
	Message string
}

// fail answers err as an error page; internal errors are logged and shown without their detail.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := api.StatusOf(plaudit.ErrorCode(err))
	msg := plaudit.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		if r.Context().Err() != nil {
			return
		}
		p.log.Error("portal: internal error", "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	p.render(w, status, "error", errorPage{Title: http.StatusText(status), Status: status, Message: msg})
}

// secureCookies reports whether cookies must be Secure: the request came over TLS (directly or, as the
// proxy in front says, to it).
func secureCookies(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (p *Portal) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: secureCookies(r), SameSite: http.SameSiteStrictMode})
}

// liveSession returns the request's session when it is live and its key still active and a member key.
func (p *Portal) liveSession(r *http.Request) *session {
	ss := p.sessions.get(r)
	if ss == nil {
		return nil
	}
	if ss.discordUser != "" {
		return p.liveDiscordSession(r, ss)
	}
	k, err := p.svc.ActiveKey(r.Context(), ss.keyHash)
	if err != nil || k.Role != plaudit.RoleMember || k.Member != ss.member {
		if err != nil && plaudit.ErrorCode(err) != plaudit.EUNAUTHORIZED {
			p.log.Warn("portal: check a session's key", "err", err)
		}
		p.sessions.close(r)
		return nil
	}
	return ss
}

type signInPage struct {
	Title   string
	CSRF    string
	Error   string
	Address string
	Signer  bool
	Chain   bool
	Discord bool
}

// signIn shows the sign-in forms, or sends a signed-in member to their page.
func (p *Portal) signIn(w http.ResponseWriter, r *http.Request) {
	if ss := p.liveSession(r); ss != nil {
		http.Redirect(w, r, "/m/"+url.PathEscape(ss.member), http.StatusSeeOther)
		return
	}
	p.signInForm(w, r, http.StatusOK, "")
}

func (p *Portal) signInForm(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p.signInFormAddress(w, r, status, msg, "")
}

// signInFormAddress renders the sign-in page with a fresh CSRF token, an error and the address entered.
func (p *Portal) signInFormAddress(w http.ResponseWriter, r *http.Request, status int, msg, address string) {
	tok := newToken()
	p.setCookie(w, r, CSRFCookie, tok, 3600)
	p.render(w, status, "signin", signInPage{Title: "Sign in", CSRF: tok, Error: msg, Address: address, Signer: p.claims != nil, Chain: p.chain.Reader != nil, Discord: p.discord != nil})
}

// maxForm bounds a posted form.
const maxForm = 4 << 10

// login checks the CSRF token and the member key, opens a session and goes to the member's page.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, plaudit.Errorf(plaudit.EINVALID, "sign in: the form could not be read"))
		return
	}
	c, err := r.Cookie(CSRFCookie)
	if err != nil || !sameToken(c.Value, r.PostForm.Get(CSRFField)) {
		p.fail(w, r, plaudit.Errorf(plaudit.EFORBIDDEN, "sign in: the form's CSRF token is missing or wrong: reload the sign-in page and try again"))
		return
	}
	key := strings.TrimSpace(r.PostForm.Get("key"))
	if key == "" {
		p.signInForm(w, r, http.StatusBadRequest, "Enter your member key (field key).")
		return
	}
	k, err := p.svc.Authenticate(r.Context(), key)
	if err != nil {
		if plaudit.ErrorCode(err) == plaudit.EUNAUTHORIZED {
			p.signInForm(w, r, http.StatusUnauthorized, "That key is not valid or was revoked.")
			return
		}
		p.fail(w, r, err)
		return
	}
	if k.Role != plaudit.RoleMember || k.Member == "" {
		p.signInForm(w, r, http.StatusForbidden, "This portal takes member keys only: a "+string(k.Role)+" key opens the admin panel and the API.")
		return
	}
	tok, _, err := p.sessions.open(r.Context(), service.PortalSession{Member: k.Member, KeyHash: service.HashKey(key)})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, r, SessionCookie, tok, int(p.sessions.ttl.Seconds()))
	p.setCookie(w, r, CSRFCookie, "", -1)
	p.log.Info("portal: member signed in", "member", k.Member, "key", k.ID)
	http.Redirect(w, r, "/m/"+url.PathEscape(k.Member), http.StatusSeeOther)
}

// logout ends the session; its form carries the session's CSRF token.
func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		p.fail(w, r, plaudit.Errorf(plaudit.EINVALID, "sign out: the form could not be read"))
		return
	}
	ss := p.sessions.get(r)
	if ss == nil {
		http.Redirect(w, r, "/claim", http.StatusSeeOther)
		return
	}
	if !sameToken(ss.csrf, r.PostForm.Get(CSRFField)) {
		p.fail(w, r, plaudit.Errorf(plaudit.EFORBIDDEN, "sign out: the form's CSRF token is missing or wrong"))
		return
	}
	if err := p.sessions.close(r); err != nil {
		p.fail(w, r, err)
		return
	}
	p.setCookie(w, r, SessionCookie, "", -1)
	http.Redirect(w, r, "/claim", http.StatusSeeOther)
}

// claimView is one claim as a page shows it.
type claimView struct {
	Status    service.ClaimStatus
	JSON      string // the claim for a wallet or dApp: permit, signature, owner, transfer details
	TypedData string // the EIP-712 document that was signed
}

type proofView struct {
	Member string
	Amount string
	Leaf   string
	Proof  []string
}

type payoutView struct {
	Wallet string
	Amount string
	Proofs []proofView
	Claim  *claimView
}

type epochView struct {
	ID, Program, Token, Root, PolicyHash string
	Start, End                           time.Time
	Allocation                           *plaudit.Allocation
	Points, Share, Fee, Paid, CarryOut   string
	Lines                                []settle.EventLine
	ExplainError                         string
	Payout                               *payoutView
}

type batchLink struct {
	Token  string
	Count  int
	Total  string
	Batch  string   // the nonce of a claim-all batch already handed out ("" for a new one)
	Epochs []string // the epochs of that batch
}

type memberPage struct {
	Title      string
	Handle     string
	Wallet     string // the wallet view's address; "" on a member's page
	CSRF       string
	Epochs     []epochView
	Batches    []batchLink
	Signer     bool
	Chain      bool
	ChainError string
}

// claimJSON is what a wallet or dApp needs to call Permit2's permitTransferFrom.
type claimJSON struct {
	*service.PortalClaim
	TransferDetails service.TransferDetail `json:"transferDetails"`
}

func jsonText(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "(could not encode: " + err.Error() + ")"
	}
	return string(b)
}

func newPayoutView(wp *service.WalletPayout, decimals int) *payoutView {
	pv := &payoutView{Wallet: wp.Wallet.String(), Amount: FormatUnits(wp.Amount, decimals)}
	for _, pr := range wp.Proofs {
		v := proofView{Member: pr.Member, Amount: FormatUnits(pr.Amount, decimals), Leaf: pr.Leaf.String()}
		for _, h := range pr.Proof {
			v.Proof = append(v.Proof, h.String())
		}
		pv.Proofs = append(pv.Proofs, v)
	}
	if c := wp.Claim; c != nil {
		pv.Claim = &claimView{Status: c.Status,
			JSON:      jsonText(claimJSON{PortalClaim: c, TransferDetails: service.TransferDetail{To: c.Permit.Spender, RequestedAmount: c.Permit.Amount.String()}}),
			TypedData: jsonText(c.TypedData)}
	}
	return pv
}

// readStatuses reads the claims' statuses: from the chain when one is configured, and in any case which
// claims an issued claim-all batch supersedes (service.ReadClaimStatuses). A chain that cannot be read is
// logged and said on the page, and the statuses stay unknown.
func (p *Portal) readStatuses(ctx context.Context, claims []*service.PortalClaim) string {
	if len(claims) == 0 {
		return ""
	}
	if err := p.svc.ReadClaimStatuses(ctx, p.chain, claims); err != nil {
		p.log.Warn("portal: read claim statuses", "err", err)
		return "The chain node could not be read, so the claims' statuses are unknown: " + plaudit.ErrorMessage(err)
	}
	return ""
}

// batches lists the claim-all batches to offer: each batch already handed out whose claims it still
// supersedes (state in-batch), and per token a new one over the claims in no batch that are not known to be
// used (two or more). No claim is ever offered in two batches.
func batches(claims []*service.PortalClaim, decimals map[payout.Address]int) []batchLink {
	var out []batchLink
	issued := map[string]int{}
	for _, c := range claims {
		if c.Status.State != service.ClaimInBatch {
			continue
		}
		i, ok := issued[c.Status.Batch]
		if !ok {
			i = len(out)
			issued[c.Status.Batch] = i
			out = append(out, batchLink{Token: c.Permit.Token.String(), Batch: c.Status.Batch, Total: "0"})
		}
		b := &out[i]
		b.Count++
		b.Epochs = append(b.Epochs, c.Epoch)
	}
	for i := range out {
		total := new(big.Int)
		tok, _ := payout.ParseAddress(out[i].Token)
		for _, c := range claims {
			if c.Status.State == service.ClaimInBatch && c.Status.Batch == out[i].Batch {
				total.Add(total, c.Permit.Amount)
			}
		}
		out[i].Total = FormatUnits(total, decimals[tok])
		slices.Sort(out[i].Epochs)
	}
	var tokens []payout.Address
	count, total := map[payout.Address]int{}, map[payout.Address]*big.Int{}
	for _, c := range claims {
		if (c.Status.State != service.ClaimClaimable && c.Status.State != service.ClaimUnknown) || c.Status.Batch != "" {
			continue
		}
		t := c.Permit.Token
		if total[t] == nil {
			tokens = append(tokens, t)
			total[t] = new(big.Int)
		}
		count[t]++
		total[t].Add(total[t], c.Permit.Amount)
	}
	for _, t := range tokens {
		if count[t] >= 2 {
			out = append(out, batchLink{Token: t.String(), Count: count[t], Total: FormatUnits(total[t], decimals[t])})
		}
	}
	return out
}

// memberSession returns the session of the member named in the path, or answers: no session goes to the
// sign-in page, another member's page is 403.
func (p *Portal) memberSession(w http.ResponseWriter, r *http.Request) *session {
	ss := p.liveSession(r)
	if ss == nil {
		http.Redirect(w, r, "/claim", http.StatusSeeOther)
		return nil
	}
	if h := r.PathValue("handle"); h != ss.member {
		p.fail(w, r, plaudit.Errorf(plaudit.EFORBIDDEN, "you are signed in as %s: a member sees only their own page", ss.member))
		return nil
	}
	return ss
}

// member renders the signed-in member's page: every published epoch's allocation explained, the payout,
// its proofs and its claim with the status on chain.
func (p *Portal) member(w http.ResponseWriter, r *http.Request) {
	ss := p.memberSession(w, r)
	if ss == nil {
		return
	}
	ctx := r.Context()
	mes, err := p.svc.MemberPayouts(ctx, p.claims, ss.member)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var claims []*service.PortalClaim
	decimals := map[payout.Address]int{}
	for _, me := range mes {
		if me.Payout != nil && me.Payout.Claim != nil {
			claims = append(claims, me.Payout.Claim)
			decimals[me.Payout.Claim.Permit.Token] = me.Epoch.Decimals
		}
	}
	page := memberPage{Title: ss.member, Handle: ss.member, CSRF: ss.csrf, Signer: p.claims != nil, Chain: p.chain.Reader != nil}
	page.ChainError = p.readStatuses(ctx, claims)
	for _, me := range mes {
		ep := me.Epoch
		a := me.Allocation
		v := epochView{ID: ep.ID, Program: ep.Program, Token: ep.Token, Root: ep.Root, PolicyHash: ep.PolicyHash, Start: ep.Start, End: ep.End,
			Allocation: &a, Points: a.Points.String(), Share: FormatUnits(a.Share, ep.Decimals), Fee: FormatUnits(a.Fee, ep.Decimals),
			Paid: FormatUnits(a.Paid, ep.Decimals), CarryOut: FormatUnits(a.CarryOut, ep.Decimals)}
		if x, err := p.svc.EpochExplain(ctx, ep.ID, ss.member, nil); err != nil {
			v.ExplainError = plaudit.ErrorMessage(err)
		} else {
			v.Lines = x.Lines
		}
		if me.Payout != nil {
			v.Payout = newPayoutView(me.Payout, ep.Decimals)
		}
		page.Epochs = append(page.Epochs, v)
	}
	if p.claims != nil {
		page.Batches = batches(claims, decimals)
	}
	p.render(w, http.StatusOK, "member", page)
}

// wallet renders the read-only view of one wallet's payouts: no sign-in, nothing but what the public reward
// files already say, plus the claims (only the wallet itself can use them).
func (p *Portal) wallet(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSpace(r.URL.Query().Get("address"))
	addr, err := payout.ParseAddress(raw)
	if err != nil {
		p.signInFormAddress(w, r, http.StatusBadRequest, "address: "+err.Error(), raw)
		return
	}
	ctx := r.Context()
	wps, err := p.svc.WalletPayouts(ctx, p.claims, addr)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var claims []*service.PortalClaim
	for _, wp := range wps {
		if wp.Claim != nil {
			claims = append(claims, wp.Claim)
		}
	}
	page := memberPage{Title: addr.String(), Wallet: addr.String(), Signer: p.claims != nil, Chain: p.chain.Reader != nil}
	page.ChainError = p.readStatuses(ctx, claims)
	for _, wp := range wps {
		ep := wp.Epoch
		page.Epochs = append(page.Epochs, epochView{ID: ep.ID, Program: ep.Program, Token: ep.Token, Root: ep.Root, PolicyHash: ep.PolicyHash,
			Start: ep.Start, End: ep.End, Paid: FormatUnits(wp.Amount, ep.Decimals), Payout: newPayoutView(wp, ep.Decimals)})
	}
	p.render(w, http.StatusOK, "member", page)
}

type claimAllPage struct {
	Title     string
	Handle    string
	CSRF      string
	Token     string
	Total     string
	Epochs    []string
	JSON      string
	TypedData string
	Invalid   []service.NonceInvalidation
}

// claimAll renders one batch permit over the member's unclaimed claims of ?token=.
func (p *Portal) claimAll(w http.ResponseWriter, r *http.Request) {
	ss := p.memberSession(w, r)
	if ss == nil {
		return
	}
	token, err := payout.ParseAddress(r.URL.Query().Get("token"))
	if err != nil {
		p.fail(w, r, plaudit.Errorf(plaudit.EINVALID, "claim all: token: %v", err))
		return
	}
	if p.claims == nil {
		p.fail(w, r, plaudit.Errorf(plaudit.EINVALID, "claim all: this server has no payout signer"))
		return
	}
	ctx := r.Context()
	mes, err := p.svc.MemberPayouts(ctx, p.claims, ss.member)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var claims []*service.PortalClaim
	decimals := 0
	for _, me := range mes {
		if me.Payout != nil && me.Payout.Claim != nil {
			claims = append(claims, me.Payout.Claim)
			if me.Payout.Claim.Permit.Token == token {
				decimals = me.Epoch.Decimals
			}
		}
	}
	if msg := p.readStatuses(ctx, claims); msg != "" {
		p.fail(w, r, plaudit.Errorf(plaudit.ECONFLICT, "claim all: %s", msg))
		return
	}
	// ?batch= shows a batch handed out before (its claims, which it supersedes); otherwise a new batch is
	// made of the claims in no batch, so that no claim is in two live batches.
	want := r.URL.Query().Get("batch")
	pick := claims[:0:0]
	for _, c := range claims {
		if (want == "" && c.Status.Batch == "") || (want != "" && c.Status.State == service.ClaimInBatch && c.Status.Batch == want) {
			pick = append(pick, c)
		}
	}
	if want != "" && len(pick) == 0 {
		p.fail(w, r, plaudit.Errorf(plaudit.ENOTFOUND, "claim all: no batch %s supersedes your claims (it was used, or one of its claims was)", want))
		return
	}
	b, err := p.svc.IssueClaimAll(ctx, p.claims, pick, token)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	total := new(big.Int)
	for _, t := range b.Permit.Permitted {
		total.Add(total, t.Amount)
	}
	p.render(w, http.StatusOK, "claimall", claimAllPage{Title: "Claim all", Handle: ss.member, CSRF: ss.csrf, Token: token.String(),
		Total: FormatUnits(total, decimals), Epochs: b.Epochs, JSON: jsonText(b), TypedData: jsonText(b.TypedData), Invalid: b.Invalidate})
}

type epochsPage struct {
	Title  string
	Epochs []*plaudit.Epoch
}

// epochs lists the published epochs.
func (p *Portal) epochs(w http.ResponseWriter, r *http.Request) {
	eps, err := p.svc.PortalEpochs(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, http.StatusOK, "epochs", epochsPage{Title: "Epochs", Epochs: eps})
}

// Reward is one line of a published reward file: a wallet, its amount and its Merkle proof.
type Reward struct {
	Wallet payout.Address `json:"wallet"`
	Amount string         `json:"amount"` // base units
	Leaf   payout.Hash    `json:"leaf"`
	Proof  []payout.Hash  `json:"proof"`
}

// RewardFile is a published epoch's reward file (GET /epochs/{id}/rewards.json): everything needed to check
// every payout against the root without trusting the server.
type RewardFile struct {
	Epoch      string   `json:"epoch"`
	Program    string   `json:"program"`
	Start      string   `json:"start"`
	End        string   `json:"end"`
	PolicyHash string   `json:"policyHash"`
	Token      string   `json:"token"`
	Decimals   int      `json:"decimals"`
	Root       string   `json:"root"`
	Paid       string   `json:"paid"`
	Rewards    []Reward `json:"rewards"`
}

func (p *Portal) rewardFile(ctx context.Context, id string) (*RewardFile, error) {
	ce, err := p.svc.PortalEpoch(ctx, id)
	if err != nil {
		return nil, err
	}
	ep := ce.Epoch
	rf := &RewardFile{Epoch: ep.ID, Program: ep.Program, Start: ep.Start.UTC().Format(time.RFC3339), End: ep.End.UTC().Format(time.RFC3339),
		PolicyHash: ep.PolicyHash, Token: ep.Token, Decimals: ep.Decimals, Root: ep.Root, Paid: "0", Rewards: []Reward{}}
	if ep.Paid != nil {
		rf.Paid = ep.Paid.String()
	}
	if ep.Root == "" {
		return rf, nil
	}
	et, err := p.svc.EpochTree(ctx, ep.ID)
	if err != nil {
		return nil, err
	}
	for i := range et.Members {
		pr, err := et.Tree.Proof(i)
		if err != nil {
			return nil, err
		}
		l := et.Tree.Leaf(i)
		rf.Rewards = append(rf.Rewards, Reward{Wallet: l.Address, Amount: l.Amount.String(), Leaf: et.Tree.LeafHash(i), Proof: pr})
	}
	return rf, nil
}

type epochPage struct {
	Title   string
	File    *RewardFile
	Paid    string
	Amounts []string
	JSONURL string
}

// epoch renders one published epoch's reward file, root and policy hash, and how to verify them.
func (p *Portal) epoch(w http.ResponseWriter, r *http.Request) {
	rf, err := p.rewardFile(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	paid, _ := new(big.Int).SetString(rf.Paid, 10)
	page := epochPage{Title: rf.Epoch, File: rf, Paid: FormatUnits(paid, rf.Decimals), JSONURL: "/epochs/" + url.PathEscape(rf.Epoch) + "/rewards.json"}
	for _, rw := range rf.Rewards {
		a, _ := new(big.Int).SetString(rw.Amount, 10)
		page.Amounts = append(page.Amounts, FormatUnits(a, rf.Decimals))
	}
	p.render(w, http.StatusOK, "epoch", page)
}

// rewardsJSON answers the reward file as JSON.
func (p *Portal) rewardsJSON(w http.ResponseWriter, r *http.Request) {
	rf, err := p.rewardFile(r.Context(), r.PathValue("id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	b, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="rewards.json"`)
	_, _ = w.Write(append(b, '\n'))
}

// static serves the embedded stylesheet.
func (p *Portal) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// FormatUnits writes amount base units as a decimal number of whole tokens with decimals places, trailing
// zeros dropped: 1500000 with 6 decimals is "1.5". Exact (no float).
func FormatUnits(amount *big.Int, decimals int) string {
	if amount == nil {
		return "0"
	}
	neg := amount.Sign() < 0
	s := new(big.Int).Abs(amount).String()
	if decimals > 0 {
		if len(s) <= decimals {
			s = strings.Repeat("0", decimals-len(s)+1) + s
		}
		whole, frac := s[:len(s)-decimals], strings.TrimRight(s[len(s)-decimals:], "0")
		s = whole
		if frac != "" {
			s += "." + frac
		}
	}
	if neg {
		s = "-" + s
	}
	return s
}
