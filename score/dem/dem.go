// Package dem is the Decentralized Engagement Metrics scorer (seed 000): X posts, replies, quotes, mentions
// and tags of a program's tracked project and community accounts and keywords earn Engagement Value (EV),
// which settlement turns into ENG governance weight (one ENG per point). Project accounts' ENG pools in the
// project wallet and community accounts' ENG goes to their own non-transferable stake; that split, and
// keeping X activity out of token payouts (X's terms), are settlement's (settle, program.x_payouts): this
// package only measures.
//
// EV of one event, as the seed describes the module ("posts, replies ... from ecosystem and participating
// community accounts"; "tags, mentions, and quotes ... tracked independently of account tracking ... then
// cross-referenced with participating accounts"):
//
//   - Only a participating account earns: a project account (listed in project_accounts, or linked to a
//     member of kind project), or a community account (listed in community_accounts, or, with
//     linked_accounts on, an X account its owner linked to a Plaudit member).
//   - The base value of the kind (ev.post for a post or a mention post, ev.reply, ev.quote) is earned by
//     every post of a project account, and by a community account's post when it is contextually relevant:
//     it mentions a tracked account, tags a tracked keyword, or replies to or quotes a tracked account.
//   - Plus ev.mention for each distinct tracked account mentioned (oneself aside) and ev.tag for each
//     distinct tracked keyword or hashtag, each counted up to max_references.
//
// Tracked accounts are the project accounts and the listed community accounts. Everything is exact
// (plaudit.Points) and a pure function of the event, the parameters and the directory.
package dem

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/arena"
)

// Name is the scorer's name, and the prefix of its rules.
const Name = "dem"

// EV is the Engagement Value of each kind of engagement, in points.
type EV struct {
	// Post is the base value of an original post (or a "mention" post) of a participating account.
	Post plaudit.Points `yaml:"post"`
	// Reply is the base value of a reply.
	Reply plaudit.Points `yaml:"reply"`
	// Quote is the base value of a quote with commentary.
	Quote plaudit.Points `yaml:"quote"`
	// Mention is added for each distinct tracked account the post mentions.
	Mention plaudit.Points `yaml:"mention"`
	// Tag is added for each distinct tracked keyword or hashtag the post carries.
	Tag plaudit.Points `yaml:"tag"`
}

// Params are the DEM scorer's policy parameters: whom and what the program tracks, and what each
// engagement is worth.
type Params struct {
	// ProjectAccounts are the project and ecosystem X accounts, by username (without @) or numeric id.
	ProjectAccounts []string `yaml:"project_accounts"`
	// CommunityAccounts are participating community X accounts, by username or id.
	CommunityAccounts []string `yaml:"community_accounts"`
	// Keywords are tracked keywords and hashtags: "#acme" matches the hashtag only; "acme" or "acme
	// protocol" match the words in the text (case-insensitive, whole words) and the hashtag #acme.
	Keywords []string `yaml:"keywords"`
	// LinkedAccounts lets every X account its owner linked to a Plaudit member participate as a community
	// account (X's terms: the link is started by the user). Off, only listed accounts and accounts linked
	// to project members participate.
	LinkedAccounts bool `yaml:"linked_accounts"`
	// EV is the value table.
	EV EV `yaml:"ev"`
	// MaxReferences caps how many mentions and how many tags of one post count (each), against stuffing.
	MaxReferences int `yaml:"max_references"`
}

// DefaultParams returns Plaudit's DEM table: a post 10, a reply 4, a quote 6, each tracked mention 3, each
// tracked tag 2, at most 5 of each per post; linked accounts participate; nothing is listed, so only
// accounts linked to project members are tracked until a program lists its accounts and keywords.
func DefaultParams() *Params {
	return &Params{
		LinkedAccounts: true,
		EV: EV{Post: plaudit.PointsFromInt(10), Reply: plaudit.PointsFromInt(4), Quote: plaudit.PointsFromInt(6),
			Mention: plaudit.PointsFromInt(3), Tag: plaudit.PointsFromInt(2)},
		MaxReferences: 5,
	}
}

var (
	usernameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,15}$`)
	idRe       = regexp.MustCompile(`^[0-9]{1,20}$`)
	keywordRe  = regexp.MustCompile(`^#?[\p{L}\p{N}_]+( [\p{L}\p{N}_]+)*$`)
)

// Validate checks the accounts (X usernames or numeric ids, no repeats), the keywords (words or one
// hashtag, no repeats), the values (not negative) and max_references (1 to 100).
func (p *Params) Validate() []*plaudit.FieldError {
	var errs []*plaudit.FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &plaudit.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	seen := map[string]string{}
	for _, list := range []struct {
		name string
		v    []string
	}{{"project_accounts", p.ProjectAccounts}, {"community_accounts", p.CommunityAccounts}} {
		for i, a := range list.v {
			f := fmt.Sprintf("%s[%d]", list.name, i)
			a = strings.TrimPrefix(a, "@")
			if !usernameRe.MatchString(a) && !idRe.MatchString(a) {
				bad(f, "%q: want an X username (1–15 letters, digits or _) or a numeric account id", a)
				continue
			}
			k := strings.ToLower(a)
			if prev, dup := seen[k]; dup {
				bad(f, "%q is already listed at %s", a, prev)
				continue
			}
			seen[k] = f
		}
	}
	kws := map[string]string{}
	for i, k := range p.Keywords {
		f := fmt.Sprintf("keywords[%d]", i)
		if !keywordRe.MatchString(k) || strings.HasPrefix(k, "#") && strings.Contains(k, " ") {
			bad(f, "%q: want words separated by single spaces, or one #hashtag", k)
			continue
		}
		n := strings.ToLower(k)
		if prev, dup := kws[n]; dup {
			bad(f, "%q is already listed at %s", k, prev)
			continue
		}
		kws[n] = f
	}
	for _, v := range []struct {
		name string
		p    plaudit.Points
	}{{"post", p.EV.Post}, {"reply", p.EV.Reply}, {"quote", p.EV.Quote}, {"mention", p.EV.Mention}, {"tag", p.EV.Tag}} {
		if v.p < 0 {
			bad("ev."+v.name, "must not be negative, got %s", v.p)
		}
	}
	if p.MaxReferences < 1 || p.MaxReferences > 100 {
		bad("max_references", "want 1 to 100, got %d", p.MaxReferences)
	}
	return errs
}

// Role is how an account takes part in the program.
type Role string

// The roles: a project account earns for every post; a community account for relevant posts; others
// earn nothing.
const (
	RoleProject   Role = "project"
	RoleCommunity Role = "community"
	RoleNone      Role = ""
)

// Tracker scores X events for DEM. It learns which numeric account id goes with which username from the
// events it observes (attrs.username), so that a mention by username finds an account linked to a project
// member.
type Tracker struct {
	p         *Params
	project   map[string]bool // lower-case usernames and ids listed
	community map[string]bool
	keywords  []keyword
	// wordKeywords: a keyword counts as words (not a hashtag only), so that a text's words are read.
	wordKeywords bool
	usernames    map[string]string // lower-case username → account id, learned
	names        map[string]string // account id → lower-case username, learned
	// text holds the usernames' and ids' strings: at a million members, strings of events of their own
	// would be millions of objects for the collector.
	text arena.Strings
}

type keyword struct {
	text    string // as written, for the explanation
	hashtag string // lower-case, without '#'
	words   []string
	tagOnly bool
}

// NewTracker returns a tracker for validated params.
func NewTracker(p *Params) *Tracker {
	t := &Tracker{p: p, project: map[string]bool{}, community: map[string]bool{}, usernames: map[string]string{}, names: map[string]string{}}
	for _, a := range p.ProjectAccounts {
		t.project[strings.ToLower(strings.TrimPrefix(a, "@"))] = true
	}
	for _, a := range p.CommunityAccounts {
		t.community[strings.ToLower(strings.TrimPrefix(a, "@"))] = true
	}
	for _, k := range p.Keywords {
		lk := strings.ToLower(k)
		kw := keyword{text: k, tagOnly: strings.HasPrefix(lk, "#")}
		lk = strings.TrimPrefix(lk, "#")
		kw.words = strings.Fields(lk)
		kw.hashtag = strings.Join(kw.words, "")
		t.keywords = append(t.keywords, kw)
		t.wordKeywords = t.wordKeywords || !kw.tagOnly
	}
	return t
}

// Observe learns the username of an X account from any event that carries it.
func (t *Tracker) Observe(e *plaudit.Event) {
	if e.Source != plaudit.SourceX {
		return
	}
	if u, ok := e.Attrs["username"].(string); ok && usernameRe.MatchString(u) {
		lower := strings.ToLower(u)
		if id, ok := t.usernames[lower]; ok && id == e.Actor && t.names[id] == lower {
			return // known as it is
		}
		id, lower := t.text.Keep(e.Actor), t.text.Keep(lower)
		t.usernames[lower] = id
		t.names[id] = lower
	}
}

// Result is one event's EV and its explanation.
type Result struct {
	Points plaudit.Points
	Lines  []plaudit.Line
	// Unscored marks an event that is not DEM activity (its account does not participate, or a community
	// post is not about the program): the engine records no score for it, as the tiered scorer records none
	// for engagement on posts nobody submitted, so that such accounts do not appear in every epoch with 0.
	// Lines still say why.
	Unscored bool
}

// Kinds are the X kinds DEM scores.
var Kinds = []plaudit.Kind{plaudit.KindPost, plaudit.KindReply, plaudit.KindQuote, plaudit.KindMention}

// Score returns the EV of an X post, reply, quote or mention post. dir says who holds each account (links,
// member kinds). An event whose attributes cannot be read scores 0 with a dem.invalid line.
func (t *Tracker) Score(e *plaudit.Event, dir *plaudit.Directory) Result {
	if e.Source != plaudit.SourceX {
		return Result{}
	}
	var base plaudit.Points
	switch e.Kind {
	case plaudit.KindPost, plaudit.KindMention:
		base = t.p.EV.Post
	case plaudit.KindReply:
		base = t.p.EV.Reply
	case plaudit.KindQuote:
		base = t.p.EV.Quote
	default:
		return Result{}
	}
	mentioned, err := e.AttrStrings("mentioned")
	if err == nil {
		var tags []string
		tags, err = e.AttrStrings("hashtags")
		if err == nil {
			return t.score(e, dir, base, mentioned, tags)
		}
	}
	return Result{Lines: []plaudit.Line{{Rule: Name + ".invalid", Note: err.Error() + ": scored 0"}}}
}

func (t *Tracker) score(e *plaudit.Event, dir *plaudit.Directory, base plaudit.Points, mentioned, hashtags []string) Result {
	username, _ := e.Attrs["username"].(string)
	role := t.role(e.Actor, username, dir)
	if role == RoleNone {
		return Result{Unscored: true, Lines: []plaudit.Line{{Rule: Name + ".not_participating", Inputs: []plaudit.Input{{Name: "account", Value: e.Actor}},
			Note: "not a participating account (list it in project_accounts or community_accounts, or its owner links it to a member): not scored"}}}
	}
	self := map[string]bool{strings.ToLower(e.Actor): true}
	if username != "" {
		self[strings.ToLower(username)] = true
	}
	// Mentions: attrs.mentioned and @names in the text, distinct, tracked, not oneself.
	var names []string
	seen := map[string]bool{}
	for _, m := range append(append([]string{}, mentioned...), mentionsIn(e.Content)...) {
		m = strings.ToLower(strings.TrimPrefix(m, "@"))
		if seen[m] || self[m] {
			continue
		}
		seen[m] = true
		if t.tracked(m, dir) {
			names = append(names, m)
		}
	}
	sort.Strings(names)
	// Tags: tracked keywords matched as hashtags (attrs.hashtags and #tags in the text) or as words.
	tagSet := map[string]bool{}
	for _, h := range append(append([]string{}, hashtags...), hashtagsIn(e.Content)...) {
		tagSet[strings.ToLower(strings.TrimPrefix(h, "#"))] = true
	}
	var words []string
	if t.wordKeywords {
		words = wordsOf(e.Content)
	}
	var tags []string
	for _, k := range t.keywords {
		if tagSet[k.hashtag] || !k.tagOnly && containsWords(words, k.words) {
			tags = append(tags, k.text)
		}
	}
	// A reply to or a quote of a tracked account.
	target := ""
	if (e.Kind == plaudit.KindReply || e.Kind == plaudit.KindQuote) && e.TargetAuthor != "" && !self[strings.ToLower(e.TargetAuthor)] &&
		t.tracked(strings.ToLower(e.TargetAuthor), dir) {
		target = e.TargetAuthor
	}
	relevant := len(names) > 0 || len(tags) > 0 || target != ""
	if role != RoleProject && !relevant {
		return Result{Unscored: true, Lines: []plaudit.Line{{Rule: Name + ".irrelevant", Inputs: []plaudit.Input{{Name: "role", Value: string(role)}},
			Note: "a community post that mentions no tracked account, tags no tracked keyword and answers no tracked account: not scored"}}}
	}
	in := []plaudit.Input{{Name: "kind", Value: string(e.Kind)}, {Name: "role", Value: string(role)}}
	if target != "" {
		in = append(in, plaudit.Input{Name: "tracked_target", Value: target})
	}
	lines := []plaudit.Line{{Rule: Name + "." + string(e.Kind), Points: base, Inputs: in}}
	total := base
	if len(names) > 0 {
		n := min(len(names), t.p.MaxReferences)
		pts := t.p.EV.Mention * plaudit.Points(n)
		lines = append(lines, plaudit.Line{Rule: Name + ".mentions", Points: pts, Inputs: []plaudit.Input{
			{Name: "accounts", Value: strings.Join(names, " ")}, {Name: "counted", Value: strconv.Itoa(n)}, {Name: "each", Value: t.p.EV.Mention.String()}}})
		total += pts
	}
	if len(tags) > 0 {
		n := min(len(tags), t.p.MaxReferences)
		pts := t.p.EV.Tag * plaudit.Points(n)
		lines = append(lines, plaudit.Line{Rule: Name + ".tags", Points: pts, Inputs: []plaudit.Input{
			{Name: "keywords", Value: strings.Join(tags, " ")}, {Name: "counted", Value: strconv.Itoa(n)}, {Name: "each", Value: t.p.EV.Tag.String()}}})
		total += pts
	}
	return Result{Points: total, Lines: lines}
}

// role says how the account (numeric id, and username when known) takes part.
func (t *Tracker) role(id, username string, dir *plaudit.Directory) Role {
	lu := strings.ToLower(username)
	if lu == "" {
		lu = t.names[id] // an event without attrs.username: the name seen on the account's other events
	}
	if t.project[strings.ToLower(id)] || lu != "" && t.project[lu] {
		return RoleProject
	}
	key := "x:" + id
	m := ""
	if dir != nil {
		m = dir.MemberOfAccount(plaudit.SourceX, id)
	}
	linked := m != "" && m != key
	if linked {
		if mem, ok := dir.Member(m); ok && mem.Kind == plaudit.MemberProject {
			return RoleProject
		}
	}
	if t.community[strings.ToLower(id)] || lu != "" && t.community[lu] {
		return RoleCommunity
	}
	if linked && t.p.LinkedAccounts {
		return RoleCommunity
	}
	return RoleNone
}

// tracked reports whether an account (lower-case username or id) is a tracked target: a project account
// or a listed community account.
func (t *Tracker) tracked(a string, dir *plaudit.Directory) bool {
	if t.project[a] || t.community[a] {
		return true
	}
	id := a
	if !idRe.MatchString(a) {
		var ok bool
		if id, ok = t.usernames[a]; !ok {
			return false
		}
		if t.project[strings.ToLower(id)] || t.community[strings.ToLower(id)] {
			return true
		}
	}
	return t.role(id, "", dir) == RoleProject
}

var (
	mentionRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})\b`)
	hashtagRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&#])#([\p{L}\p{N}_]+)`)
)

func mentionsIn(s string) []string {
	if !strings.Contains(s, "@") {
		return nil // what mentionRe needs (most posts): no match without the regexp's work
	}
	var out []string
	for _, m := range mentionRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func hashtagsIn(s string) []string {
	if !strings.Contains(s, "#") {
		return nil
	}
	var out []string
	for _, m := range hashtagRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// wordsOf returns the lower-case words of s, hashtags and mentions included as plain words: the runs of
// letters, numbers and underscores (the matches of `[\p{L}\p{N}_]+`, found without a regexp).
func wordsOf(s string) []string {
	var ws []string
	start := -1
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if r == '_' || r < utf8.RuneSelf && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') ||
			r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsNumber(r)) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			ws = append(ws, strings.ToLower(s[start:i]))
			start = -1
		}
		i += n
	}
	if start >= 0 {
		ws = append(ws, strings.ToLower(s[start:]))
	}
	return ws
}

// containsWords reports whether the word sequence kw occurs in words.
func containsWords(words, kw []string) bool {
	if len(kw) == 0 {
		return false
	}
outer:
	for i := 0; i+len(kw) <= len(words); i++ {
		for j := range kw {
			if words[i+j] != kw[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
