// Package cast is the Farcaster cast score of seed 003: a score from 0 to 100 made of four metrics —
// communication quality, community impact, consistency and active campaign — weighted 40/30/20/10.
//
// The seed leaves some rules open; this package settles them as issue 3 does (words are whitespace tokens
// of the trimmed text, an empty text counting as one word; one spam penalty however many spam signs; and so
// on — docs/scoring.md lists them all). Every metric is an integer from 0 to 100 and the weights are
// fixed-point, so the total is exact in hundredths and rounded half up: no float64 anywhere.
package cast

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
)

// Cast is what the score reads of one cast, whatever it was decoded from (a Neynar webhook, an event).
type Cast struct {
	Hash       string
	FID        int64
	Username   string
	Text       string
	Time       time.Time
	Embeds     int
	ParentHash string // empty unless the cast is a reply
	// ParentAuthorFID is the fid of the parent cast's author when the decoder knew it (Neynar's
	// parent_author), else 0; the score does not read it, the Farcaster source does.
	ParentAuthorFID int64
	Mentioned       []Profile // mentioned profiles
	Channel         string    // channel id, empty when not in a channel
	Followers       int64
	PowerBadge      bool
	Likes           int64
	Recasts         int64
	Replies         int64
}

// Profile is a Farcaster account: fid and username. Either may be unknown (0 or "").
type Profile struct {
	FID      int64  `yaml:"fid"`
	Username string `yaml:"username"`
}

// Weights are the four metrics' weights; they must sum to 1 so that the total stays within 0–100.
type Weights struct {
	CommunicationQuality plaudit.Ratio `yaml:"communication_quality"`
	CommunityImpact      plaudit.Ratio `yaml:"community_impact"`
	Consistency          plaudit.Ratio `yaml:"consistency"`
	ActiveCampaign       plaudit.Ratio `yaml:"active_campaign"`
}

// Params are the cast scorer's policy parameters.
type Params struct {
	Weights Weights `yaml:"weights"`
	// Target is the active campaign's account: replies and mentions of it earn the campaign bonus.
	// With no target, only the campaign's quality rules apply.
	Target Profile `yaml:"target"`
	// Reputation, when true, counts a cast's likes and recasts for community impact from the like and
	// repost events the log holds on it, each weighed by the engager's reputation (the epoch reputation the
	// engine reads: EigenTrust as of the start of the cast's epoch; 0 between ring-mates), instead of the
	// platform's counts; a cast with no such events keeps the platform's counts. Off by default: the seed
	// scores Neynar's counts. Being a param, it is part of the policy's hash.
	Reputation bool `yaml:"reputation,omitempty"`
}

// DefaultParams returns the seed's weights, 0.4/0.3/0.2/0.1, and no campaign target.
func DefaultParams() *Params {
	return &Params{Weights: Weights{400_000, 300_000, 200_000, 100_000}}
}

// Validate checks that the weights lie in 0–1 and sum to 1.
func (p *Params) Validate() []*plaudit.FieldError {
	var errs []*plaudit.FieldError
	w := []struct {
		name string
		v    plaudit.Ratio
	}{
		{"communication_quality", p.Weights.CommunicationQuality},
		{"community_impact", p.Weights.CommunityImpact},
		{"consistency", p.Weights.Consistency},
		{"active_campaign", p.Weights.ActiveCampaign},
	}
	var sum plaudit.Ratio
	for _, x := range w {
		if x.v < 0 || x.v > plaudit.One {
			errs = append(errs, &plaudit.FieldError{Field: "weights." + x.name, Reason: "want 0 to 1, got " + x.v.String()})
		}
		sum += x.v
	}
	if len(errs) == 0 && sum != plaudit.One {
		errs = append(errs, &plaudit.FieldError{Field: "weights", Reason: "weights must sum to 1, they sum to " + sum.String()})
	}
	if p.Target.FID < 0 {
		errs = append(errs, &plaudit.FieldError{Field: "target.fid", Reason: "must not be negative"})
	}
	return errs
}

// History is what the consistency metric knows of an author: how many of their casts were scored before,
// and when the last one was cast.
type History struct {
	Count int
	Last  time.Time
}

// Result is a cast's score: the total in points (0–100, exact to two decimals) and the four metrics.
type Result struct {
	Total                plaudit.Points
	CommunicationQuality int
	CommunityImpact      int
	Consistency          int
	ActiveCampaign       int
	Lines                []plaudit.Line // the rules that fired, when explained
}

// Score returns the cast's score given its author's history, without an explanation: the fast path.
func Score(c *Cast, h History, p *Params) Result {
	return score(c, h, p, nil)
}

// Explain returns the cast's score with one line per rule that fired, metric by metric, and a line per
// weighted metric.
func Explain(c *Cast, h History, p *Params) Result {
	lines := make([]plaudit.Line, 0, 24)
	r := score(c, h, p, &lines)
	r.Lines = lines
	return r
}

func score(c *Cast, h History, p *Params, lines *[]plaudit.Line) Result {
	var r Result
	st := scanText(c.Text)
	r.CommunicationQuality = communicationQuality(c, &st, lines)
	r.CommunityImpact = communityImpact(c, lines)
	r.Consistency = consistency(c, h, lines)
	r.ActiveCampaign = activeCampaign(c, &st, p.Target, lines)
	w := p.Weights
	ppm := int64(w.CommunicationQuality)*int64(r.CommunicationQuality) +
		int64(w.CommunityImpact)*int64(r.CommunityImpact) +
		int64(w.Consistency)*int64(r.Consistency) +
		int64(w.ActiveCampaign)*int64(r.ActiveCampaign)
	// ppm is points × 10⁶; round half up to hundredths of a point.
	hundredths := (ppm + 5_000) / 10_000
	r.Total = plaudit.Points(hundredths * (plaudit.PointScale / 100))
	if lines != nil {
		weighted := func(rule string, v int, w plaudit.Ratio) {
			*lines = append(*lines, plaudit.Line{Rule: rule, Inputs: []plaudit.Input{{Name: "metric", Value: strconv.Itoa(v)}, {Name: "weight", Value: w.String()}},
				Points: w.Apply(plaudit.PointsFromInt(int64(v)))})
		}
		weighted("cast.weighted.communication_quality", r.CommunicationQuality, w.CommunicationQuality)
		weighted("cast.weighted.community_impact", r.CommunityImpact, w.CommunityImpact)
		weighted("cast.weighted.consistency", r.Consistency, w.Consistency)
		weighted("cast.weighted.active_campaign", r.ActiveCampaign, w.ActiveCampaign)
		*lines = append(*lines, plaudit.Line{Rule: "cast.total", Points: r.Total, Note: "0.4·CQ + 0.3·CI + 0.2·Cons + 0.1·AC with the policy's weights, rounded half up to 2 decimals"})
	}
	return r
}

// textStats is everything the rules need from a cast's text, found in one pass.
type textStats struct {
	trimmed    string
	words      int // whitespace-separated tokens of the trimmed text; 1 for an empty text
	emoji      int // code points U+1F300–U+1F9FF
	maxRun     int // longest run of one repeated character, line breaks aside
	question   bool
	thoughtful string // the first thoughtful word found, "" if none
	farming    string // the first farming word found, "" if none
}

// The word lists of the rules (classifyWord holds the thoughtful and farming words in a switch):
//
//	thoughtful: think, believe, consider, interesting, insightful, perspective, analysis, understand,
//	            explain, why, how
//	farming:    gm, gn, ser, fren, lfg, wagmi, ngmi
var genericReplies = []string{"gm", "gn", "thanks", "thank you", "nice", "cool", "great", "agree", "yes", "no"}

func isLineBreak(r rune) bool { return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' }

func isASCIIWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_'
}

// Character classes of ASCII bytes, so that the scan's common case is one table lookup.
const (
	clWord  = 1 << iota // letter, digit or '_': part of a whole word
	clSpace             // whitespace: separates words
	clBreak             // line break: ends a run of repeated characters
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		if isASCIIWord(byte(c)) {
			t[c] |= clWord
		}
		if isSpace(rune(c)) {
			t[c] |= clSpace
		}
		if c == '\n' || c == '\r' {
			t[c] |= clBreak
		}
	}
	return t
}()

func scanText(text string) textStats {
	st := textStats{trimmed: strings.TrimSpace(text)}
	s := st.trimmed
	inSpace := true
	var prev rune = -1
	run := 0
	wordStart := -1
	endWord := func(i int) {
		if st.thoughtful == "" || st.farming == "" {
			t, f := classifyWord(s[wordStart:i])
			if st.thoughtful == "" {
				st.thoughtful = t
			}
			if st.farming == "" {
				st.farming = f
			}
		}
		wordStart = -1
	}
	for i := 0; i < len(s); {
		var r rune
		var cl uint8
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			r, cl = rune(c), asciiClass[c]
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isSpace(r) {
				cl = clSpace
			}
			if isLineBreak(r) {
				cl |= clBreak
			}
			if r >= 0x1F300 && r <= 0x1F9FF {
				st.emoji++
			}
		}
		// Whole words are runs of ASCII letters, digits and '_' (a regular expression's \b…\b).
		if cl&clWord != 0 {
			if wordStart < 0 {
				wordStart = i
			}
		} else if wordStart >= 0 {
			endWord(i)
		}
		if cl&clSpace != 0 {
			inSpace = true
		} else if inSpace {
			st.words++
			inSpace = false
		}
		if cl&clBreak != 0 {
			prev, run = -1, 0
		} else if r == prev {
			run++
			if run > st.maxRun {
				st.maxRun = run
			}
		} else {
			prev, run = r, 1
			if st.maxRun == 0 {
				st.maxRun = 1
			}
		}
		if r == '?' {
			st.question = true
		}
		i += size
	}
	if wordStart >= 0 {
		endWord(len(s))
	}
	if st.words == 0 {
		st.words = 1
	}
	return st
}

// isSpace is the whitespace of strings.Fields (unicode.IsSpace), fast for ASCII.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	if r < 0x1680 {
		return false
	}
	return r == 0x1680 || r >= 0x2000 && r <= 0x200a || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}

// classifyWord reports whether w, ignoring ASCII case, is a thoughtful word or a farming word, returning
// the word's canonical spelling in the matching result. One lower-casing into a stack buffer and one switch
// serve both lists: this runs for every word of every cast.
func classifyWord(w string) (thoughtful, farming string) {
	if len(w) < 2 || len(w) > 11 {
		return "", ""
	}
	var buf [11]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch lw := buf[:len(w)]; string(lw) {
	case "think":
		return "think", ""
	case "believe":
		return "believe", ""
	case "consider":
		return "consider", ""
	case "interesting":
		return "interesting", ""
	case "insightful":
		return "insightful", ""
	case "perspective":
		return "perspective", ""
	case "analysis":
		return "analysis", ""
	case "understand":
		return "understand", ""
	case "explain":
		return "explain", ""
	case "why":
		return "why", ""
	case "how":
		return "how", ""
	case "gm":
		return "", "gm"
	case "gn":
		return "", "gn"
	case "ser":
		return "", "ser"
	case "fren":
		return "", "fren"
	case "lfg":
		return "", "lfg"
	case "wagmi":
		return "", "wagmi"
	case "ngmi":
		return "", "ngmi"
	}
	return "", ""
}

func line(lines *[]plaudit.Line, rule string, pts int, inputs ...string) {
	if lines == nil {
		return
	}
	l := plaudit.Line{Rule: rule, Points: plaudit.PointsFromInt(int64(pts))}
	for i := 0; i+1 < len(inputs); i += 2 {
		l.Inputs = append(l.Inputs, plaudit.Input{Name: inputs[i], Value: inputs[i+1]})
	}
	*lines = append(*lines, l)
}

func clamp(v int) int {
	if v < 0 {
		return 0
	}
	if v > 100 {
		return 100
	}
	return v
}

func itoa(n int) string { return strconv.Itoa(n) }

func communicationQuality(c *Cast, st *textStats, lines *[]plaudit.Line) int {
	v := 0
	switch n := st.words; {
	case n >= 10 && n <= 280:
		v += 25
		if lines != nil {
			line(lines, "cast.cq.length", 25, "words", itoa(n), "band", "10–280")
		}
	case n >= 5 && n <= 9:
		v += 15
		if lines != nil {
			line(lines, "cast.cq.length", 15, "words", itoa(n), "band", "5–9")
		}
	case n > 280:
		v += 10
		if lines != nil {
			line(lines, "cast.cq.length", 10, "words", itoa(n), "band", "over 280")
		}
	default:
		v += 5
		if lines != nil {
			line(lines, "cast.cq.length", 5, "words", itoa(n), "band", "under 5")
		}
	}
	if st.maxRun >= 5 || st.emoji*10 > st.words*3 {
		v -= 20
		if lines != nil {
			line(lines, "cast.cq.spam", -20, "longest_run", itoa(st.maxRun), "emoji", itoa(st.emoji), "words", itoa(st.words))
		}
	}
	if st.question {
		v += 15
		if lines != nil {
			line(lines, "cast.cq.question", 15)
		}
	}
	if st.thoughtful != "" {
		v += 20
		if lines != nil {
			line(lines, "cast.cq.thoughtful", 20, "word", st.thoughtful)
		}
	}
	if c.Embeds > 0 {
		v += 10
		if lines != nil {
			line(lines, "cast.cq.embeds", 10, "embeds", itoa(c.Embeds))
		}
	}
	if st.farming != "" && st.words <= 3 {
		v -= 30
		if lines != nil {
			line(lines, "cast.cq.farming", -30, "word", st.farming, "words", itoa(st.words))
		}
	}
	if c.PowerBadge {
		v += 15
		if lines != nil {
			line(lines, "cast.cq.power_badge", 15)
		}
	}
	return clampLine(lines, "cast.cq", v)
}

// clampLine clamps a metric to 0–100 and records the metric's value.
func clampLine(lines *[]plaudit.Line, metric string, v int) int {
	c := clamp(v)
	if lines != nil {
		note := ""
		if c != v {
			note = "clamped from " + itoa(v)
		}
		*lines = append(*lines, plaudit.Line{Rule: metric + ".metric", Points: plaudit.PointsFromInt(int64(c)), Note: note})
	}
	return c
}

func capped(n, each, max int64) int {
	if n <= 0 {
		return 0
	}
	if n >= max/each+1 {
		return int(max)
	}
	if v := n * each; v < max {
		return int(v)
	}
	return int(max)
}

func communityImpact(c *Cast, lines *[]plaudit.Line) int {
	v := 0
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	if p := capped(c.Likes, 2, 30); p > 0 {
		v += p
		if lines != nil {
			line(lines, "cast.ci.likes", p, "likes", i64(c.Likes))
		}
	}
	if p := capped(c.Recasts, 5, 40); p > 0 {
		v += p
		if lines != nil {
			line(lines, "cast.ci.recasts", p, "recasts", i64(c.Recasts))
		}
	}
	if p := capped(c.Replies, 3, 30); p > 0 {
		v += p
		if lines != nil {
			line(lines, "cast.ci.replies", p, "replies", i64(c.Replies))
		}
	}
	var reach int
	switch f := c.Followers; {
	case f > 1000:
		reach = 20
	case f >= 501:
		reach = 15
	case f >= 101:
		reach = 10
	default:
		reach = 5
	}
	v += reach
	if lines != nil {
		line(lines, "cast.ci.reach", reach, "followers", i64(c.Followers))
	}
	if c.Channel != "" {
		v += 10
		if lines != nil {
			line(lines, "cast.ci.channel", 10, "channel", c.Channel)
		}
	}
	return clampLine(lines, "cast.ci", v)
}

func consistency(c *Cast, h History, lines *[]plaudit.Line) int {
	v := 50
	if h.Count == 0 {
		if lines != nil {
			line(lines, "cast.cons.base", 50, "previous_casts", "0")
		}
		return clampLine(lines, "cast.cons", v)
	}
	if lines != nil {
		line(lines, "cast.cons.base", 50)
	}
	d := c.Time.Sub(h.Last)
	var f int
	switch {
	case d < 2*time.Hour:
		f = -20
	case d < 6*time.Hour:
		f = 20
	case d <= 48*time.Hour:
		f = 30
	case d <= 168*time.Hour:
		f = 10
	default:
		f = -10
	}
	v += f
	if lines != nil {
		line(lines, "cast.cons.frequency", f, "hours_since_last", strconv.FormatFloat(d.Hours(), 'f', 2, 64)) // display only
	}
	var n int
	switch k := h.Count; {
	case k > 50:
		n = 20
	case k >= 21:
		n = 15
	case k >= 11:
		n = 10
	case k >= 6:
		n = 5
	}
	if n > 0 {
		v += n
		if lines != nil {
			line(lines, "cast.cons.count", n, "previous_casts", itoa(h.Count))
		}
	}
	return clampLine(lines, "cast.cons", v)
}

func activeCampaign(c *Cast, st *textStats, t Profile, lines *[]plaudit.Line) int {
	v := 0
	if c.ParentHash != "" {
		v += 50
		if lines != nil {
			line(lines, "cast.ac.reply", 50, "parent", c.ParentHash)
		}
	}
	if mentionsTarget(c, t) {
		v += 30
		if lines != nil {
			line(lines, "cast.ac.mention", 30, "target", t.Username)
		}
	}
	if st.words >= 10 {
		v += 20
		if lines != nil {
			line(lines, "cast.ac.substantive", 20, "words", itoa(st.words))
		}
	}
	if st.question {
		v += 10
		if lines != nil {
			line(lines, "cast.ac.question", 10)
		}
	}
	for _, g := range genericReplies {
		if len(st.trimmed) == len(g) && strings.EqualFold(st.trimmed, g) {
			v -= 30
			if lines != nil {
				line(lines, "cast.ac.generic", -30, "text", g)
			}
			break
		}
	}
	return clampLine(lines, "cast.ac", v)
}

func mentionsTarget(c *Cast, t Profile) bool {
	if t.FID == 0 && t.Username == "" {
		return false
	}
	for _, m := range c.Mentioned {
		if t.FID != 0 && m.FID == t.FID || t.Username != "" && strings.EqualFold(m.Username, t.Username) {
			return true
		}
	}
	return t.Username != "" && containsFold(c.Text, t.Username)
}

// containsFold reports whether sub occurs in s, ignoring case (ASCII and simple Unicode folding).
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// Tracker scores a stream of casts in order, keeping each author's history: the count of their scored
// casts and the time of the last one.
type Tracker struct {
	Params  *Params
	history map[int64]History
}

// NewTracker returns a tracker with no history.
func NewTracker(p *Params) *Tracker { return &Tracker{Params: p, history: map[int64]History{}} }

// Score scores c against its author's history, then adds c to the history. With explain, the result has
// its lines.
func (t *Tracker) Score(c *Cast, explain bool) Result {
	h := t.history[c.FID]
	var r Result
	if explain {
		r = Explain(c, h, t.Params)
	} else {
		r = Score(c, h, t.Params)
	}
	t.history[c.FID] = History{Count: h.Count + 1, Last: c.Time}
	return r
}
