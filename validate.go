package plaudit

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/sha3"
)

// The rules below are the ones every way into the log shares (import, the API, the CLI's member commands):
// Event.Validate applies them, so that the store never holds a value the rest of Plaudit would have to
// guess about. docs/events.md describes them for users.

// MaxHandleLen is the longest member handle, in bytes.
const MaxHandleLen = 128

// ValidHandle reports whether h is a valid member handle: 1 to 128 ASCII letters, digits and the
// characters '.', '_', '-', ':' and '@', starting with a letter or a digit. No spaces, no control or
// bidirectional-override characters, nothing that displays as something else. Account keys ("x:1001",
// "github:octocat") are valid handles: an account that no link moved is the member of its own key.
func ValidHandle(h string) bool { return handleProblem(h) == "" }

// CheckHandle returns an EINVALID error saying what is wrong with member handle h, or nil when it is valid
// (see ValidHandle). The CLI, the service and Event.Validate all use it.
func CheckHandle(h string) error {
	if p := handleProblem(h); p != "" {
		return Errorf(EINVALID, "member handle %s: %s", quoteClip(h), p)
	}
	return nil
}

// handleProblem returns why h is not a valid handle, or "".
func handleProblem(h string) string {
	if h == "" {
		return "missing"
	}
	if len(h) > MaxHandleLen {
		return fmt.Sprintf("too long: %d bytes, at most %d", len(h), MaxHandleLen)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.' || c == '_' || c == '-' || c == ':' || c == '@':
			if i == 0 {
				return fmt.Sprintf("starts with %q: want a letter or a digit first", c)
			}
		case c == ' ':
			return "contains a space: want letters, digits, '.', '_', '-', ':' or '@'"
		default:
			r, _ := utf8.DecodeRuneInString(h[i:])
			if unsafeRune(r) {
				return fmt.Sprintf("contains the control or bidirectional-override character U+%04X", r)
			}
			return fmt.Sprintf("contains %q: want ASCII letters, digits, '.', '_', '-', ':' or '@'", r)
		}
	}
	return ""
}

// unsafeRune reports whether r may not appear in an identifier or a name: control characters (Cc), format
// characters (Cf: the bidirectional overrides and isolates such as U+202E, zero-width spaces and joiners, the
// byte order mark), line and paragraph separators, and the replacement character for invalid UTF-8.
func unsafeRune(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	return r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// safeText returns why s (an identifier or a name) may not be stored, or "": it must not hold a control,
// format (bidirectional override, zero-width) or line-separator character.
func safeText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			continue
		}
		for _, r := range s[i:] {
			if unsafeRune(r) {
				return fmt.Sprintf("contains the control or bidirectional-override character U+%04X", r)
			}
		}
		break
	}
	return ""
}

// CheckAddress returns an EINVALID error saying what is wrong with the wallet address s, or nil: a valid
// address is "0x" followed by 40 hex digits, all lower-case, all upper-case, or mixed-case with a valid
// EIP-55 checksum (a mixed-case address with a wrong checksum is a typo, and a payout to it is lost).
func CheckAddress(s string) error {
	if p := addressProblem(s); p != "" {
		return Errorf(EINVALID, "wallet %s: %s", quoteClip(s), p)
	}
	return nil
}

// ChecksumAddress returns the EIP-55 mixed-case form of the address s ("0x" and 40 hex digits in any case).
func ChecksumAddress(s string) (string, error) {
	if len(s) != 42 || s[:2] != "0x" {
		return "", Errorf(EINVALID, "wallet %s: want 0x and 40 hex digits", quoteClip(s))
	}
	var raw [20]byte
	if _, err := hex.Decode(raw[:], []byte(s[2:])); err != nil {
		return "", Errorf(EINVALID, "wallet %s: want 0x and 40 hex digits", quoteClip(s))
	}
	return eip55(strings.ToLower(s[2:])), nil
}

// eip55 returns "0x" and the EIP-55 form of lower, 40 lower-case hex digits: each letter is upper-cased when
// the matching nibble of Keccak-256(lower) is 8 or more.
func eip55(lower string) string {
	k := sha3.NewLegacyKeccak256()
	k.Write([]byte(lower))
	h := k.Sum(nil)
	out := make([]byte, 2, 42)
	out[0], out[1] = '0', 'x'
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		nibble := h[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if c >= 'a' && nibble&0xf >= 8 {
			c -= 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

func addressProblem(s string) string {
	if len(s) != 42 || s[:2] != "0x" {
		return "want 0x and 40 hex digits"
	}
	lower, upper := true, true
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f':
			upper = false
		case c >= 'A' && c <= 'F':
			lower = false
		default:
			return "want 0x and 40 hex digits"
		}
	}
	if lower || upper {
		return ""
	}
	if want := eip55(strings.ToLower(s[2:])); want != s {
		return "bad EIP-55 checksum (want " + want + ")"
	}
	return ""
}

// ParseTime parses a strict RFC 3339 time and returns it in UTC: "YYYY-MM-DDTHH:MM:SS", optionally a '.'
// and 1 to 9 fractional digits, then "Z" or an offset "+HH:MM" / "-HH:MM" within ±23:59. Every numeric part
// has exactly its digits (no "T1:00:00Z"), and the date must exist. time.Parse alone is laxer: it takes a
// one-digit hour, any number of fractional digits and offsets up to +99:59.
func ParseTime(s string) (time.Time, error) {
	if p := timeShapeProblem(s); p != "" {
		return time.Time{}, &TimeError{Input: s, Reason: p}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			return time.Time{}, &TimeError{Input: s, Reason: strings.TrimPrefix(pe.Message, ": ")}
		}
		return time.Time{}, &TimeError{Input: s, Reason: "no such date or time"}
	}
	return t.UTC(), nil
}

// TimeError is the error ParseTime returns: the input and what is wrong with it.
type TimeError struct {
	Input  string
	Reason string // "3 fractional digits, at most 9", "month out of range"
}

// Error implements the error interface.
func (e *TimeError) Error() string {
	return "not an RFC 3339 time " + quoteClip(e.Input) + ": " + e.Reason
}

// timeShapeProblem checks the layout of an RFC 3339 time, leaving the ranges of date and clock to
// time.Parse, except the offset's (which time.Parse does not bound).
func timeShapeProblem(s string) string {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(s) < len(layout)+1 {
		return "want YYYY-MM-DDTHH:MM:SS and a zone"
	}
	for i := 0; i < len(layout); i++ {
		c := s[i]
		if layout[i] == 'd' {
			if c < '0' || c > '9' {
				return "want YYYY-MM-DDTHH:MM:SS with two-digit month, day, hour, minute and second"
			}
		} else if c != layout[i] {
			return fmt.Sprintf("want %q at position %d", layout[i], i+1)
		}
	}
	rest := s[len(layout):]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		switch {
		case n == 1:
			return "a '.' without fractional digits"
		case n-1 > 9:
			return fmt.Sprintf("%d fractional digits, at most 9", n-1)
		}
		rest = rest[n:]
	}
	switch {
	case rest == "Z":
		return ""
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' && isDigits(rest[1:3]) && isDigits(rest[4:6]):
		if h, m := atoi2(rest[1:3]), atoi2(rest[4:6]); h > 23 || m > 59 {
			return fmt.Sprintf("offset %s out of range (at most ±23:59)", rest)
		}
		return ""
	}
	return "want the zone as Z or ±HH:MM"
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// quoteClip quotes untrusted input for an error message, escaping what does not print and shortening it.
func quoteClip(s string) string { return strconv.QuoteToASCII(truncate(s, 80)) }

// attrCheck checks one attribute value and returns why it is wrong, or "".
type attrCheck func(v any) string

// intAttr accepts a JSON integer from lo to hi (strings, booleans and fractions are refused: a scorer reads
// the number, and "12" or 1.5 would be a guess).
func intAttr(lo, hi int64) attrCheck {
	return func(v any) string {
		var n int64
		switch x := v.(type) {
		case json.Number:
			var err error
			if n, err = x.Int64(); err != nil {
				return fmt.Sprintf("want a whole number from %d to %d, got %s", lo, hi, truncate(x.String(), 40))
			}
		case int:
			n = int64(x)
		case int64:
			n = x
		case float64:
			if x != float64(int64(x)) {
				return fmt.Sprintf("want a whole number from %d to %d, got %v", lo, hi, x)
			}
			n = int64(x)
		default:
			return fmt.Sprintf("want a whole number from %d to %d, got %s", lo, hi, jsonType(v))
		}
		if n < lo || n > hi {
			return fmt.Sprintf("want a whole number from %d to %d, got %d", lo, hi, n)
		}
		return ""
	}
}

func boolAttr(v any) string {
	if _, ok := v.(bool); !ok {
		return "want true or false, got " + jsonType(v)
	}
	return ""
}

func stringAttr(v any) string {
	if _, ok := v.(string); !ok {
		return "want a string, got " + jsonType(v)
	}
	return ""
}

// nameAttr is a string naming a person on a platform (a username, a login): no control or bidirectional-
// override characters.
func nameAttr(v any) string {
	s, ok := v.(string)
	if !ok {
		return "want a string, got " + jsonType(v)
	}
	return safeText(s)
}

func handleAttr(v any) string {
	s, ok := v.(string)
	if !ok {
		return "want a member handle (a string), got " + jsonType(v)
	}
	if p := handleProblem(s); p != "" {
		return "member handle " + quoteClip(s) + ": " + p
	}
	return ""
}

func timeAttr(v any) string {
	s, ok := v.(string)
	if !ok {
		return "want an RFC 3339 time string, got " + jsonType(v)
	}
	if _, err := ParseTime(s); err != nil {
		var te *TimeError
		errors.As(err, &te)
		return "not an RFC 3339 time: " + te.Reason
	}
	return ""
}

// namesAttr is an array of names (logins, usernames); item problems name the index.
func namesAttr(v any) (int, string) {
	switch a := v.(type) {
	case []string:
		for i, s := range a {
			if p := safeText(s); p != "" {
				return i, p
			}
		}
		return -1, ""
	case []any:
		for i, x := range a {
			if p := nameAttr(x); p != "" {
				return i, p
			}
		}
		return -1, ""
	}
	return -1, "want an array of strings, got " + jsonType(v)
}

func oneOf(values ...string) attrCheck {
	return func(v any) string {
		s, ok := v.(string)
		if ok {
			for _, w := range values {
				if s == w {
					return ""
				}
			}
		}
		return "want one of " + strings.Join(values, ", ")
	}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, int, int64, float64:
		return fmt.Sprintf("the number %v", x)
	case []any, []string:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// attrRule checks one attribute.
type attrRule struct {
	key   string
	check attrCheck
}

// The attribute rules: what the scorers and checks read, by key, in the order they are reported. A rule
// applies when the attribute is present (required ones are checked apart); null is the same as absent.
var (
	countAttr    = intAttr(0, 1<<63-1)
	anyAttrRules = []attrRule{
		{"account_created", timeAttr},
		{"follower_count", countAttr},
	}
	farcasterAttrRules = []attrRule{
		{"channel", stringAttr}, {"embeds", intAttr(0, 1<<20)}, {"likes_count", countAttr},
		{"power_badge", boolAttr}, {"recasts_count", countAttr}, {"replies_count", countAttr}, {"username", nameAttr},
	}
	githubAttrRules = []attrRule{
		{"author_association", stringAttr}, {"issue_author", nameAttr}, {"repo", stringAttr}, {"url", stringAttr},
		{"user_type", stringAttr},
	}
	// closedByAttrRules are who closed an issue or pull request (who invoked its payout): the conversation
	// scorer's collaboratorOnlyPaymentInvocation reads them.
	closedByAttrRules = []attrRule{
		{"closed_by", nameAttr}, {"closed_by_association", stringAttr}, {"closed_by_type", stringAttr},
	}
	// xPostAttrRules are the attributes of an X post, reply, quote or mention post the DEM scorer reads
	// besides the arrays mentioned and hashtags.
	xPostAttrRules  = []attrRule{{"username", nameAttr}}
	reviewAttrRules = []attrRule{
		{"additions", intAttr(0, 1<<31)}, {"deletions", intAttr(0, 1<<31)},
		{"state", oneOf("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")},
	}
	poeAttrRules = map[Kind][]attrRule{
		KindFlag:     {{"confirmed", boolAttr}, {"reason", stringAttr}},
		KindFeedback: {{"adopted", boolAttr}},
	}
	plauditAttrRules = []attrRule{{"by", handleAttr}}
)

// validateAttrs checks the attributes that scorers and checks read, by source and kind, and the fields
// that they need (a review's target): what a scorer would otherwise have to score 0 in silence, or fail on.
func (e *Event) validateAttrs(bad func(field, format string, args ...any)) {
	check := func(rules []attrRule) {
		for _, r := range rules {
			if v, ok := e.Attrs[r.key]; ok && v != nil {
				if p := r.check(v); p != "" {
					bad("attrs."+r.key, "%s", p)
				}
			}
		}
	}
	names := func(keys ...string) {
		for _, k := range keys {
			if v, ok := e.Attrs[k]; ok && v != nil {
				if i, p := namesAttr(v); i >= 0 {
					bad(fmt.Sprintf("attrs.%s[%d]", k, i), "%s", p)
				} else if p != "" {
					bad("attrs."+k, "%s", p)
				}
			}
		}
	}
	needTarget := func(what string) {
		if e.Target == "" {
			bad("target", "missing: a %s %s needs the %s", e.Source, e.Kind, what)
		}
	}
	if len(e.Attrs) > 0 {
		check(anyAttrRules)
	}
	switch e.Source {
	case SourceFarcaster:
		check(farcasterAttrRules)
		names("mentioned")
		if e.Kind == KindPost || e.Kind == KindReply {
			e.validateFID(bad)
		}
	case SourceGitHub:
		check(githubAttrRules)
		switch e.Kind {
		case "issue", "pull_request":
			names("labels", "assignees")
			check(closedByAttrRules)
			if a, ok := e.Attrs["assignees"].([]any); ok {
				for i, x := range a {
					if x == "" {
						bad(fmt.Sprintf("attrs.assignees[%d]", i), "an empty login")
					}
				}
			}
		case KindComment:
			needTarget("issue or pull request id")
		case KindReview:
			needTarget("pull request id")
			check(reviewAttrRules)
		}
	case SourceX:
		if e.Kind == KindSubmit {
			needTarget("id of the submitted post")
		}
		switch e.Kind {
		case KindPost, KindReply, KindQuote, KindMention:
			// What the DEM scorer reads: the author's username, the accounts mentioned, the hashtags.
			check(xPostAttrRules)
			names("mentioned", "hashtags")
		}
	case SourcePlaudit:
		check(plauditAttrRules)
	}
	if e.Kind == KindDelete {
		needTarget("id of the deleted event")
	}
	if rules := poeAttrRules[e.Kind]; rules != nil {
		check(rules)
	}
	switch e.Kind {
	case KindFlag:
		needTarget("flagged event's key source/id, or member:HANDLE")
		if h, ok := strings.CutPrefix(e.Target, "member:"); ok {
			if p := handleProblem(h); p != "" {
				bad("target", "member handle %s: %s", quoteClip(h), p)
			}
		}
	case KindCurate:
		needTarget("curated event")
	}
}

// validateFID checks that a farcaster post or reply has its author's fid: attrs.fid, or else the actor, a
// positive integer.
func (e *Event) validateFID(bad func(field, format string, args ...any)) {
	v, ok := e.Attrs["fid"]
	if !ok || v == nil {
		if n, err := strconv.ParseInt(e.Actor, 10, 64); err != nil || n <= 0 {
			bad("attrs.fid", "missing: the actor %s is not a numeric fid, so attrs.fid must give it", quoteClip(e.Actor))
		}
		return
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	case int, int64:
		s = fmt.Sprint(x)
	default:
		bad("attrs.fid", "want a positive fid (a whole number or its string), got %s", jsonType(v))
		return
	}
	if n, err := strconv.ParseInt(s, 10, 64); err != nil || n <= 0 {
		bad("attrs.fid", "want a positive fid, got %s", quoteClip(s))
	}
}
