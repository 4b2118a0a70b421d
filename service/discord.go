package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
)

// The Discord bot's use cases (package discord is the edge that verifies interactions and speaks Discord's
// JSON). A Discord user links one X account; the member earning the points is the X account's member, so
// the bot's links are identity events of the log like every other link. What is the bot's own — which
// Discord user holds which X account, whether X proved it, a wallet waiting for that proof, the one-time
// OAuth states, opt-outs and the notices sent — is kept by the store as DiscordStore.

// DiscordLink is a Discord user's link to an X account and the member it earns for.
type DiscordLink struct {
	User      string // Discord user id (a snowflake)
	XID       string // X user id
	XUsername string // X username as X spells it, without @
	Member    string // the member handle the X account is linked to
	// Verified says that the member proved owning the X account (X OAuth 2.0) or an admin vouched for it
	// (VerifiedBy names them). Unverified links earn points, but their wallet waits in PendingWallet, so
	// that no token payout reaches a member until the link is verified.
	Verified      bool
	VerifiedBy    string
	PendingWallet string
	LinkedAt      time.Time
}

// DiscordOAuth is a pending X OAuth 2.0 authorization of /connect: the one-time state, who asked for
// which X handle, and the PKCE code verifier.
type DiscordOAuth struct {
	State    string
	User     string
	UserName string
	Handle   string
	Verifier string
	Expires  time.Time
}

// DiscordStore is the bot's state in the store (sqlstore.DB implements it).
type DiscordStore interface {
	DiscordInteractionSeen(ctx context.Context, id string, at time.Time) (bool, error)
	DiscordLink(ctx context.Context, user string) (*DiscordLink, error)
	DiscordLinkByX(ctx context.Context, xID string) (*DiscordLink, error)
	PutDiscordLink(ctx context.Context, l *DiscordLink) error
	DiscordLinks(ctx context.Context) ([]DiscordLink, error)
	PutDiscordOAuth(ctx context.Context, o *DiscordOAuth) error
	DiscordOAuth(ctx context.Context, state string) (*DiscordOAuth, error)
	TakeDiscordOAuth(ctx context.Context, state string) (*DiscordOAuth, error)
	SetDiscordNotify(ctx context.Context, user string, on bool) error
	DiscordNotifyOff(ctx context.Context, user string) (bool, error)
	DiscordNoticeSent(ctx context.Context, epoch, recipient string) (bool, error)
	RecordDiscordNotice(ctx context.Context, epoch, recipient string, at time.Time) error
	MarkDiscordNoticeSending(ctx context.Context, epoch, recipient string, at time.Time) error
	DiscordNoticeSending(ctx context.Context, epoch, recipient string) (time.Time, error)
	ClearDiscordNoticeSending(ctx context.Context, epoch, recipient string) error
}

// ErrDiscordXTaken is the refusal of a link whose X account another Discord user holds.
var ErrDiscordXTaken = plaudit.Errorf(plaudit.ECONFLICT, "that X account is linked to another member: ask an admin if it is yours")

func (s *Service) discordStore() (DiscordStore, error) {
	ds, ok := s.store.(DiscordStore)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no Discord state", s.store)
	}
	return ds, nil
}

// DiscordInteractionSeen records an interaction id as answered and reports whether it is new; false is a
// replay, which the bot refuses.
func (s *Service) DiscordInteractionSeen(ctx context.Context, id string) (bool, error) {
	ds, err := s.discordStore()
	if err != nil {
		return false, err
	}
	return ds.DiscordInteractionSeen(ctx, id, s.now())
}

var xHandle = regexp.MustCompile(`^[a-z0-9_]{1,15}$`)

// NormalizeXHandle returns an X handle as the bot stores and compares it: spaces and one leading @ removed,
// lower case. Anything but 1 to 15 letters, digits or _ is EINVALID.
func NormalizeXHandle(h string) (string, error) {
	n := strings.ToLower(strings.Join(strings.Fields(h), ""))
	n = strings.TrimPrefix(n, "@")
	if !xHandle.MatchString(n) {
		return "", plaudit.Errorf(plaudit.EINVALID, "X handle %q: want 1 to 15 letters, digits or _ (a leading @ is fine), such as @alice", clip(h, 40))
	}
	return n, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// DiscordConnect is a /connect: it links the X account (XID, XUsername) to the Discord user's member —
// a new member named after the Discord username when the user had none — and records the link, verified
// when X OAuth proved it. An X account that another member or Discord user holds is ECONFLICT, and so is a
// second X account for one Discord user. A verified link releases a wallet that waited for it.
type DiscordConnect struct {
	User, UserName  string // Discord user id and username
	XID, XUsername  string
	Verified        bool
	VerifiedByAdmin string // for the record, when an admin verified instead of X
}

// ConnectDiscord records a /connect (see DiscordConnect).
func (s *Service) ConnectDiscord(ctx context.Context, c DiscordConnect) (*DiscordLink, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	if c.User == "" || c.XID == "" {
		return nil, plaudit.Errorf(plaudit.EINVALID, "connect: a Discord user and an X account are required")
	}
	if other, err := ds.DiscordLinkByX(ctx, c.XID); err != nil {
		return nil, err
	} else if other != nil && other.User != c.User {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "@%s is linked to another member: ask an admin if it is yours", c.XUsername)
	}
	mine, err := ds.DiscordLink(ctx, c.User)
	if err != nil {
		return nil, err
	}
	if mine != nil && mine.XID != c.XID {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "you are linked to @%s already: ask an admin to unlink it before connecting another account", mine.XUsername)
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	key := "x:" + c.XID
	handle := ""
	if mine != nil {
		handle = mine.Member
	} else {
		handle = discordHandle(dir, c.UserName, c.User)
	}
	cur := dir.MemberOf(key)
	if cur != "" && cur != key && cur != dir.MemberOf(handle) && cur != handle {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "@%s is linked to another member: ask an admin if it is yours", c.XUsername)
	}
	by := "discord:" + c.User
	if cur != handle {
		if _, err := s.LinkAccount(ctx, key, handle, "", by); err != nil {
			return nil, fmt.Errorf("connect @%s: %w", c.XUsername, err)
		}
	}
	l := &DiscordLink{User: c.User, XID: c.XID, XUsername: c.XUsername, Member: handle, LinkedAt: s.now().UTC()}
	if mine != nil {
		l.Verified, l.VerifiedBy, l.PendingWallet, l.LinkedAt = mine.Verified, mine.VerifiedBy, mine.PendingWallet, mine.LinkedAt
	}
	if c.Verified && !l.Verified {
		l.Verified, l.VerifiedBy = true, "x-oauth"
		if c.VerifiedByAdmin != "" {
			l.VerifiedBy = c.VerifiedByAdmin
		}
	}
	if err := s.releaseWallet(ctx, l); err != nil {
		return nil, err
	}
	if err := ds.PutDiscordLink(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

// releaseWallet records a verified link's waiting wallet as the member's.
func (s *Service) releaseWallet(ctx context.Context, l *DiscordLink) error {
	if !l.Verified || l.PendingWallet == "" {
		return nil
	}
	if _, err := s.AddWallet(ctx, l.Member, l.PendingWallet, "discord:"+l.User); err != nil {
		return fmt.Errorf("record the wallet of %s: %w", l.Member, err)
	}
	l.PendingWallet = ""
	return nil
}

// discordHandle picks the member handle of a Discord user's first link: their Discord username when it is
// a valid handle no member has, else discord-ID.
func discordHandle(dir *plaudit.Directory, name, user string) string {
	h := strings.ToLower(name)
	if plaudit.CheckHandle(h) == nil && !strings.Contains(h, ":") {
		if _, taken := dir.Member(h); !taken {
			return h
		}
	}
	return "discord-" + user
}

// DiscordLinkOf returns a Discord user's link; a user without one is ENOTFOUND with what to do.
func (s *Service) DiscordLinkOf(ctx context.Context, user string) (*DiscordLink, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	l, err := ds.DiscordLink(ctx, user)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "<@%s> has not connected an X account yet: use /connect handle:@yourname", user)
	}
	return l, nil
}

// DiscordLinks returns every Discord link, by Discord user id.
func (s *Service) DiscordLinks(ctx context.Context) ([]DiscordLink, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	return ds.DiscordLinks(ctx)
}

// DiscordVerify is an admin's word that a Discord user's unverified link is theirs: the link becomes
// verified and a wallet that waited for it is recorded.
func (s *Service) DiscordVerify(ctx context.Context, admin, user string) (*DiscordLink, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	l, err := s.DiscordLinkOf(ctx, user)
	if err != nil {
		return nil, err
	}
	if !l.Verified {
		l.Verified, l.VerifiedBy = true, "discord:"+admin
	}
	if err := s.releaseWallet(ctx, l); err != nil {
		return nil, err
	}
	if err := ds.PutDiscordLink(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

// DiscordSubmission is a /submit: the submitter, whether they hold an admin role, and the post as the X
// source looked it up.
type DiscordSubmission struct {
	User           string
	Admin          bool
	PostID         string
	AuthorID       string
	AuthorUsername string
	URL            string
	Category       string
}

// submitID is the external id of a post's submit event: one per post, so a second submission is a
// duplicate of the log.
func submitID(post string) string { return "submit:" + post }

// DiscordSubmitted reports whether post was submitted already (checked before the X lookup is paid for).
func (s *Service) DiscordSubmitted(ctx context.Context, post string) (bool, error) {
	_, err := s.store.EventByKey(ctx, plaudit.SourceX, submitID(post))
	switch plaudit.ErrorCode(err) {
	case "":
		return true, nil
	case plaudit.ENOTFOUND:
		return false, nil
	default:
		return false, err
	}
}

// SubmitDiscord records a /submit as an x submit event through AppendEvents, which the X poller follows
// for 24 hours (source/x engagement). A member who is not an admin may submit only posts of their own
// linked X account (EFORBIDDEN); a post submitted before is ECONFLICT; a member without a link,
// ENOTFOUND.
func (s *Service) SubmitDiscord(ctx context.Context, sub DiscordSubmission) (*plaudit.Event, error) {
	link, err := s.DiscordLinkOf(ctx, sub.User)
	if err != nil && (!sub.Admin || plaudit.ErrorCode(err) != plaudit.ENOTFOUND) {
		return nil, err
	}
	if !sub.Admin && link.XID != sub.AuthorID {
		return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "that post is by @%s, not by your linked account @%s: submit your own posts", sub.AuthorUsername, link.XUsername)
	}
	e := plaudit.Event{Source: plaudit.SourceX, ExternalID: submitID(sub.PostID), Kind: plaudit.KindSubmit, Actor: sub.AuthorID,
		Target: sub.PostID, TargetAuthor: sub.AuthorID, Time: s.now().UTC().Truncate(time.Second),
		Attrs: map[string]any{"discord_user": sub.User}}
	if sub.Category != "" {
		e.Attrs["category"] = sub.Category
	}
	if sub.URL != "" {
		e.Attrs["url"] = sub.URL
	}
	res, err := s.AppendEvents(ctx, []plaudit.Event{e})
	if err != nil {
		return nil, fmt.Errorf("submit post %s: %w", sub.PostID, err)
	}
	switch r := res[0]; r.Status {
	case plaudit.Duplicate:
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "post %s was submitted already: it is being tracked", sub.PostID)
	case plaudit.Rejected:
		return nil, &plaudit.ValidationError{Input: "submit", Errors: []*plaudit.FieldError{r.Error}}
	default:
		e.Seq = r.Seq
	}
	return &e, nil
}

// DiscordStats is a member's /stats: points after verdicts all time and in this ISO week, the tier, the
// rank over every member with points, and the newest awards with their explanations.
type DiscordStats struct {
	Link    *DiscordLink
	Tier    int
	AllTime plaudit.Points
	Week    plaudit.Points
	Rank    int // 1 first; 0 without points
	Members int // members with points
	Recent  []DiscordAward
}

// DiscordAward is one award of /stats: the score with its explanation lines, and the claimable epoch whose
// window holds it ("" while none does), whose explanation the member portal shows.
type DiscordAward struct {
	plaudit.Score
	Epoch string
}

// StatsDiscord returns a Discord user's stats, with at most recent awards.
func (s *Service) StatsDiscord(ctx context.Context, user string, recent int) (*DiscordStats, error) {
	l, err := s.DiscordLinkOf(ctx, user)
	if err != nil {
		return nil, err
	}
	p, err := s.MemberProfile(ctx, l.Member)
	if err != nil {
		return nil, err
	}
	st := &DiscordStats{Link: l, Tier: p.Detail.Tier, Rank: p.Rank}
	if p.Policy == "" {
		return st, nil
	}
	if p.Total != nil {
		st.AllTime = p.Total.Points
	}
	all, err := s.Leaderboard(ctx, LeaderboardRequest{Limit: 1})
	if err != nil {
		return nil, err
	}
	st.Members = all.Members
	y, w := s.now().UTC().ISOWeek()
	week, err := s.Leaderboard(ctx, LeaderboardRequest{Year: y, Week: w})
	if err != nil {
		return nil, err
	}
	for _, e := range week.Entries {
		if e.Member == p.Detail.Handle {
			st.Week = e.Points
		}
	}
	scores, err := s.store.ScoresByMember(ctx, p.Policy, p.Detail.Handle)
	if err != nil {
		return nil, fmt.Errorf("stats of %s: %w", p.Detail.Handle, err)
	}
	sort.Slice(scores, func(i, j int) bool {
		if !scores[i].Time.Equal(scores[j].Time) {
			return scores[i].Time.After(scores[j].Time)
		}
		return scores[i].Event < scores[j].Event
	})
	var (
		eps       []*plaudit.Epoch
		loaded    bool
		claimable = map[string]bool{}
	)
	for _, sc := range scores {
		if len(st.Recent) == recent {
			break
		}
		if sc.Points == 0 {
			continue
		}
		if !loaded {
			if eps, err = s.Epochs(ctx, ""); err != nil {
				return nil, err
			}
			loaded = true
		}
		aw := DiscordAward{Score: sc}
		for _, ep := range eps {
			if sc.Time.Before(ep.Start) || !sc.Time.Before(ep.End) {
				continue
			}
			ok, seen := claimable[ep.ID]
			if !seen {
				if ok, err = s.discordClaimable(ctx, ep.ID); err != nil {
					return nil, err
				}
				claimable[ep.ID] = ok
			}
			if ok {
				aw.Epoch = ep.ID
				break
			}
		}
		st.Recent = append(st.Recent, aw)
	}
	return st, nil
}

// DiscordBoard is a /leaderboard: the board's first entries and the caller's own line.
type DiscordBoard struct {
	Window  string // all, week or epoch
	Board   *Leaderboard
	Top     []BoardEntry
	Caller  *BoardEntry // nil when the caller has no points on the board (or no link)
	Rank    int
	Members int
}

// LeaderboardDiscord returns the top entries of window — all (time), week (this ISO week) or epoch (the
// newest closed epoch) — and the caller's rank beneath.
func (s *Service) LeaderboardDiscord(ctx context.Context, user, window string, top int) (*DiscordBoard, error) {
	req := LeaderboardRequest{}
	switch window {
	case "", "all":
		window = "all"
	case "week":
		req.Year, req.Week = s.now().UTC().ISOWeek()
	case "epoch":
		eps, err := s.Epochs(ctx, "")
		if err != nil {
			return nil, err
		}
		if len(eps) == 0 {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no epoch has closed yet: try window:all or window:week")
		}
		req.Epoch = eps[len(eps)-1].ID
	default:
		return nil, plaudit.Errorf(plaudit.EINVALID, "window %q: want all, week or epoch", window)
	}
	b, err := s.Leaderboard(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &DiscordBoard{Window: window, Board: b, Top: b.Entries[:min(top, len(b.Entries))], Members: b.Members}
	if l, err := s.DiscordLinkOf(ctx, user); err == nil {
		for i := range b.Entries {
			if b.Entries[i].Member == l.Member {
				out.Caller, out.Rank = &b.Entries[i], i+1
				break
			}
		}
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, err
	}
	return out, nil
}

// TierDiscord is an admin's /tier: it sets the tier of a Discord user's member through SetTier, recorded
// as by discord:ADMIN.
func (s *Service) TierDiscord(ctx context.Context, admin, user string, level int) (*IdentityChange, error) {
	l, err := s.DiscordLinkOf(ctx, user)
	if err != nil {
		return nil, err
	}
	return s.SetTier(ctx, l.Member, level, "discord:"+admin)
}

// DiscordWallet is what /wallet did: Recorded when the wallet is the member's now; otherwise it waits in
// the link until the link is verified.
type DiscordWallet struct {
	Link     *DiscordLink
	Address  string
	Recorded bool
}

// WalletDiscord registers a payout wallet for a Discord user's member: an address with a bad EIP-55
// checksum is EINVALID; an unverified link keeps the wallet waiting, so that no payout goes out before the
// X account is proven.
func (s *Service) WalletDiscord(ctx context.Context, user, address string) (*DiscordWallet, error) {
	address = strings.TrimSpace(address)
	if err := plaudit.CheckAddress(address); err != nil {
		return nil, err
	}
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	l, err := s.DiscordLinkOf(ctx, user)
	if err != nil {
		return nil, err
	}
	out := &DiscordWallet{Link: l, Address: strings.ToLower(address)}
	if l.Verified {
		if _, err := s.AddWallet(ctx, l.Member, address, "discord:"+user); err != nil {
			return nil, err
		}
		out.Recorded = true
		return out, nil
	}
	l.PendingWallet = out.Address
	if err := ds.PutDiscordLink(ctx, l); err != nil {
		return nil, err
	}
	return out, nil
}

// ClaimsDiscord returns a Discord user's paid allocations of the closed epochs whose payouts are claimable
// (Claimable: published, which with a witness committee waits for the attestations and the dispute
// window), in epoch order. Whether a payout was claimed on chain is not read: every claimable paid
// allocation is listed, and the portal page the bot links to tells.
func (s *Service) ClaimsDiscord(ctx context.Context, user string) ([]plaudit.Allocation, *DiscordLink, error) {
	l, err := s.DiscordLinkOf(ctx, user)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.store.MemberAllocations(ctx, l.Member)
	if err != nil {
		return nil, nil, fmt.Errorf("payouts of %s: %w", l.Member, err)
	}
	claimable := map[string]bool{}
	var out []plaudit.Allocation
	for _, a := range all {
		if a.Paid == nil || a.Paid.Sign() <= 0 {
			continue
		}
		ok, seen := claimable[a.Epoch]
		if !seen {
			if ok, err = s.discordClaimable(ctx, a.Epoch); err != nil {
				return nil, nil, err
			}
			claimable[a.Epoch] = ok
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, l, nil
}

// discordClaimable reports whether closed epoch id pays now (Claimable); not yet is false, not an error.
func (s *Service) discordClaimable(ctx context.Context, id string) (bool, error) {
	switch err := s.Claimable(ctx, id); plaudit.ErrorCode(err) {
	case "":
		return true, nil
	case plaudit.ECONFLICT:
		return false, nil
	default:
		return false, fmt.Errorf("is epoch %s claimable: %w", id, err)
	}
}

// NotifyDiscord records whether a Discord user wants the payout DMs (/notify on|off).
func (s *Service) NotifyDiscord(ctx context.Context, user string, on bool) error {
	ds, err := s.discordStore()
	if err != nil {
		return err
	}
	return ds.SetDiscordNotify(ctx, user, on)
}

// DiscordOAuthTTL is how long a /connect link to X's authorization stays usable.
const DiscordOAuthTTL = 10 * time.Minute

// StartDiscordOAuth records a one-time state for a /connect through X OAuth 2.0 with PKCE: the state and
// verifier are random; the state goes in the link, the verifier never leaves the server.
func (s *Service) StartDiscordOAuth(ctx context.Context, user, userName, handle string) (*DiscordOAuth, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	o := &DiscordOAuth{State: randomToken(), User: user, UserName: userName, Handle: handle, Verifier: randomToken() + randomToken(),
		Expires: s.now().Add(DiscordOAuthTTL)}
	if err := ds.PutDiscordOAuth(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

// DiscordOAuthState returns a pending, unexpired OAuth state; take says to use it up (the callback).
// Unknown, used or expired states are ENOTFOUND.
func (s *Service) DiscordOAuthState(ctx context.Context, state string, take bool) (*DiscordOAuth, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	var o *DiscordOAuth
	if take {
		o, err = ds.TakeDiscordOAuth(ctx, state)
	} else {
		o, err = ds.DiscordOAuth(ctx, state)
	}
	if err != nil {
		return nil, err
	}
	if o == nil || s.now().After(o.Expires) {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "this link was used already or has expired: run /connect in Discord again")
	}
	return o, nil
}

func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// EpochNotice is what the notices of one claimable epoch say: the epoch, when its payouts became claimable,
// its top earners, and each paid member linked to a Discord user with whether they opted out of DMs.
type EpochNotice struct {
	Epoch *plaudit.Epoch
	// ClaimableAt is when the epoch was published: when it closed without witnesses, else when its
	// attestations and dispute window let it publish.
	ClaimableAt time.Time
	Top         []plaudit.Allocation
	Paid        []PaidDiscordMember
}

// PaidDiscordMember is a paid allocation of a member a Discord user is linked to.
type PaidDiscordMember struct {
	User       string
	Allocation plaudit.Allocation
	OptedOut   bool
}

// DiscordEpochNotices returns the notices of the epochs whose payouts became claimable (Claimable) at or
// after since, in epoch order, with the top earners (by payout, then points, then handle). An epoch
// awaiting its witnesses is left out until it is published, and is returned then even when it closed
// before since: what counts is when it became claimable.
func (s *Service) DiscordEpochNotices(ctx context.Context, since time.Time, top int) ([]EpochNotice, error) {
	ds, err := s.discordStore()
	if err != nil {
		return nil, err
	}
	eps, err := s.Epochs(ctx, "")
	if err != nil {
		return nil, err
	}
	links, err := ds.DiscordLinks(ctx)
	if err != nil {
		return nil, err
	}
	byMember := map[string][]string{}
	for _, l := range links {
		byMember[l.Member] = append(byMember[l.Member], l.User)
	}
	witnessed := map[string]bool{} // policy hash → its program lists witnesses
	var out []EpochNotice
	for _, ep := range eps {
		w, ok := witnessed[ep.PolicyHash]
		if !ok {
			if w, err = s.policyWitnessed(ctx, ep); err != nil {
				return nil, err
			}
			witnessed[ep.PolicyHash] = w
		}
		at := ep.ClosedAt // without witnesses an epoch is published as it closes
		if w {
			if at, err = s.publishedAt(ctx, ep.ID); err != nil {
				return nil, err
			}
			if !at.IsZero() && at.Before(since) {
				continue
			}
		} else if at.Before(since) {
			continue
		}
		if ok, err := s.discordClaimable(ctx, ep.ID); err != nil {
			return nil, err
		} else if !ok {
			continue
		}
		if w && at.IsZero() { // Claimable published it just now
			if at, err = s.publishedAt(ctx, ep.ID); err != nil {
				return nil, err
			}
		}
		allocs, err := s.allocations(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		sorted := append([]plaudit.Allocation(nil), allocs...)
		sort.SliceStable(sorted, func(i, j int) bool {
			if c := paid(sorted[i]).Cmp(paid(sorted[j])); c != 0 {
				return c > 0
			}
			if sorted[i].Points != sorted[j].Points {
				return sorted[i].Points > sorted[j].Points
			}
			return sorted[i].Member < sorted[j].Member
		})
		n := EpochNotice{Epoch: ep, ClaimableAt: at}
		for _, a := range sorted {
			if len(n.Top) < top && (paid(a).Sign() > 0 || a.Points > 0) {
				n.Top = append(n.Top, a)
			}
		}
		for _, a := range allocs {
			if paid(a).Sign() <= 0 {
				continue
			}
			for _, u := range byMember[a.Member] {
				off, err := ds.DiscordNotifyOff(ctx, u)
				if err != nil {
					return nil, err
				}
				n.Paid = append(n.Paid, PaidDiscordMember{User: u, Allocation: a, OptedOut: off})
			}
		}
		sort.Slice(n.Paid, func(i, j int) bool { return n.Paid[i].User < n.Paid[j].User })
		out = append(out, n)
	}
	return out, nil
}

// publishedAt returns when witnessed epoch id was published (the zero time: not yet).
func (s *Service) publishedAt(ctx context.Context, id string) (time.Time, error) {
	ws, err := s.witnessStore()
	if err != nil {
		return time.Time{}, err
	}
	at, err := ws.Published(ctx, id)
	if err != nil {
		return time.Time{}, fmt.Errorf("epoch %s: publication: %w", id, err)
	}
	return at, nil
}

// policyWitnessed reports whether the policy that closed ep lists witnesses (its payouts then wait for
// publication).
func (s *Service) policyWitnessed(ctx context.Context, ep *plaudit.Epoch) (bool, error) {
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return false, fmt.Errorf("epoch %s: recorded policy: %w", ep.ID, err)
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return false, fmt.Errorf("epoch %s: %w", ep.ID, err)
	}
	return pol.Program.Witnesses.Enabled(), nil
}

func paid(a plaudit.Allocation) *big.Int {
	if a.Paid == nil {
		return new(big.Int)
	}
	return a.Paid
}

// DiscordNoticeSent reports whether the notice of epoch to recipient ("announce" or a Discord user id)
// went out.
func (s *Service) DiscordNoticeSent(ctx context.Context, epoch, recipient string) (bool, error) {
	ds, err := s.discordStore()
	if err != nil {
		return false, err
	}
	return ds.DiscordNoticeSent(ctx, epoch, recipient)
}

// RecordDiscordNotice records that the notice of epoch to recipient went out, so that a retried job does
// not send it again.
func (s *Service) RecordDiscordNotice(ctx context.Context, epoch, recipient string) error {
	ds, err := s.discordStore()
	if err != nil {
		return err
	}
	return ds.RecordDiscordNotice(ctx, epoch, recipient, s.now())
}

// DiscordNoticeState says where the notice of epoch to recipient stands: sent (recorded), or else since
// when an unrecorded send of it has been under way (the zero time: none was begun, or the last one was
// refused by Discord).
func (s *Service) DiscordNoticeState(ctx context.Context, epoch, recipient string) (sent bool, sendingSince time.Time, err error) {
	ds, err := s.discordStore()
	if err != nil {
		return false, time.Time{}, err
	}
	if sent, err = ds.DiscordNoticeSent(ctx, epoch, recipient); err != nil || sent {
		return sent, time.Time{}, err
	}
	sendingSince, err = ds.DiscordNoticeSending(ctx, epoch, recipient)
	return false, sendingSince, err
}

// MarkDiscordNoticeSending records, before the send, that the notice of epoch to recipient is being sent
// (a marker already there keeps its first time): a run that dies before RecordDiscordNotice leaves it,
// and the next run knows that the notice may have gone out, and since when.
func (s *Service) MarkDiscordNoticeSending(ctx context.Context, epoch, recipient string) error {
	ds, err := s.discordStore()
	if err != nil {
		return err
	}
	return ds.MarkDiscordNoticeSending(ctx, epoch, recipient, s.now())
}

// ClearDiscordNoticeSending drops the sending marker of a notice Discord refused (it was not posted).
func (s *Service) ClearDiscordNoticeSending(ctx context.Context, epoch, recipient string) error {
	ds, err := s.discordStore()
	if err != nil {
		return err
	}
	return ds.ClearDiscordNoticeSending(ctx, epoch, recipient)
}

// DiscordMemberTier is a Discord user's member and its current tier, for role sync, and with eng its ENG
// governance weight (stake plus delegated, 6 decimals).
type DiscordMemberTier struct {
	User   string
	Member string
	Tier   int
	ENG    *big.Int
}

// DiscordTiers returns every linked Discord user's member tier, by Discord user id; with eng, their ENG
// governance weight too.
func (s *Service) DiscordTiers(ctx context.Context, eng bool) ([]DiscordMemberTier, error) {
	links, err := s.DiscordLinks(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DiscordMemberTier, 0, len(links))
	for _, l := range links {
		t := 1
		if m, ok := dir.Member(l.Member); ok {
			t = m.Tier
		}
		mt := DiscordMemberTier{User: l.User, Member: l.Member, Tier: t}
		if eng {
			st, err := s.ENGStatus(ctx, l.Member)
			if err != nil {
				return nil, err
			}
			mt.ENG = new(big.Int).Add(st.Stake, st.Delegated)
		}
		out = append(out, mt)
	}
	return out, nil
}

// IsDiscordConflict reports whether err is a link refused because its X account is taken.
func IsDiscordConflict(err error) bool { return errors.Is(err, ErrDiscordXTaken) }
