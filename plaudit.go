// Package plaudit is the domain core of Plaudit, an engagement-rewards engine.
//
// It holds the types every other package speaks (Event, Account, Member, Score, Verdict, Points) and the
// store interfaces that adapters implement. It imports no adapter: stores, sources and servers live in
// their own packages and depend on this one, never the other way round.
//
// The event log is the truth. Everything else — members, scores, verdicts, epochs, payouts — is derived from
// events and a policy, so the same events and the same policy always give the same bytes out.
package plaudit

import (
	"fmt"
	"regexp"
	"sort"
	"sync"
)

// Source names the platform an event came from. Ingestion is idempotent on (Source, ExternalID).
type Source string

// The sources Plaudit knows. "api" is an event posted to Plaudit's own REST API, "file" one imported from a
// file with no better origin, and "plaudit" an operator action recorded by Plaudit itself (a link, a tier).
const (
	SourceX         Source = "x"
	SourceDiscord   Source = "discord"
	SourceGitHub    Source = "github"
	SourceFarcaster Source = "farcaster"
	SourceAPI       Source = "api"
	SourceFile      Source = "file"
	SourcePlaudit   Source = "plaudit"
)

// Sources lists every known source in a fixed order, for reports that must not depend on map order.
var Sources = []Source{SourceX, SourceDiscord, SourceGitHub, SourceFarcaster, SourceAPI, SourceFile, SourcePlaudit}

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	for _, k := range Sources {
		if s == k {
			return true
		}
	}
	return false
}

// Kind says what an event is. The core kinds cover every seed system; a source may register kinds of its own
// with RegisterKind.
type Kind string

// Engagement kinds: what people do that a policy may reward.
const (
	KindPost     Kind = "post"     // an original post, cast, issue or pull request
	KindReply    Kind = "reply"    // a reply to another post
	KindQuote    Kind = "quote"    // a quote of another post with commentary
	KindRepost   Kind = "repost"   // a repost, retweet or recast without commentary
	KindLike     Kind = "like"     // a like or positive reaction
	KindMention  Kind = "mention"  // a post that mentions an account
	KindComment  Kind = "comment"  // a comment on an issue, pull request or thread
	KindReview   Kind = "review"   // a code or content review
	KindFlag     Kind = "flag"     // a report of abuse on an event or a member
	KindCurate   Kind = "curate"   // adding content to a curated list or publication
	KindFeedback Kind = "feedback" // a bug report or improvement suggestion
	KindFollow   Kind = "follow"   // following an account
	KindSubmit   Kind = "submit"   // submitting a post for tracking (the tiered seed's /submit)
)

// Identity and administration kinds: recorded in the log like any event, they change who an account belongs
// to and how a member is priced. The Directory replays them; their history is the event log itself.
const (
	KindLink   Kind = "link"   // the actor's account joins the member named in attrs.member
	KindUnlink Kind = "unlink" // the actor's account leaves its member and stands alone again
	KindMerge  Kind = "merge"  // member attrs.from is merged into member attrs.into
	KindTier   Kind = "tier"   // the actor's member gets tier attrs.tier from the event's time on
	KindWallet Kind = "wallet" // the actor's member adds wallet attrs.address
)

// CoreKinds lists the kinds every source may use, in a fixed order.
var CoreKinds = []Kind{
	KindPost, KindReply, KindQuote, KindRepost, KindLike, KindMention, KindComment, KindReview,
	KindFlag, KindCurate, KindFeedback, KindFollow, KindSubmit,
	KindLink, KindUnlink, KindMerge, KindTier, KindWallet,
}

// IsIdentity reports whether k changes identities or member attributes rather than recording engagement.
func (k Kind) IsIdentity() bool {
	switch k {
	case KindLink, KindUnlink, KindMerge, KindTier, KindWallet:
		return true
	}
	return false
}

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

var (
	kindMu      sync.RWMutex
	sourceKinds = map[Source]map[Kind]bool{}
)

// RegisterKind lets a source add a kind of its own (GitHub's "commit", say). It panics on a malformed name,
// since registration happens at init time from constant names.
func RegisterKind(s Source, k Kind) {
	if !kindPattern.MatchString(string(k)) {
		panic(fmt.Sprintf("plaudit: malformed kind %q", k))
	}
	kindMu.Lock()
	defer kindMu.Unlock()
	if sourceKinds[s] == nil {
		sourceKinds[s] = map[Kind]bool{}
	}
	sourceKinds[s][k] = true
}

// KnownKind reports whether k is a core kind or one registered for source s.
func KnownKind(s Source, k Kind) bool {
	for _, c := range CoreKinds {
		if k == c {
			return true
		}
	}
	kindMu.RLock()
	defer kindMu.RUnlock()
	return sourceKinds[s][k]
}

// SourceKinds returns the kinds registered by source s beyond the core ones, sorted.
func SourceKinds(s Source) []Kind {
	kindMu.RLock()
	defer kindMu.RUnlock()
	out := make([]Kind, 0, len(sourceKinds[s]))
	for k := range sourceKinds[s] {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func init() {
	RegisterKind(SourceGitHub, "commit")
	RegisterKind(SourceGitHub, "issue")
	RegisterKind(SourceGitHub, "pull_request")
	RegisterKind(SourceDiscord, "message")
}
