package plaudit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits. An event over any of them is rejected whole with the field named: the log stores what it
// accepts as is, so nothing is ever truncated silently.
const (
	MaxIDLen      = 256      // id, actor, target, target_author: bytes
	MaxContentLen = 64 << 10 // content: bytes
	MaxAttrsLen   = 16 << 10 // attrs, as compact JSON: bytes
	MaxBatch      = 10_000   // events in one API request
	maxYear       = 2200     // times past this are typos, not plans
	minYear       = 2000     // and before this too
	maxAttrDepth  = 8        // nesting of attrs values
)

// Event is one thing that happened on a platform: the unit of the event log. The pair (Source, ExternalID)
// identifies it; storing it twice is a no-op.
//
// Actor, Target and TargetAuthor are platform identifiers (an X user id, a GitHub login, a Farcaster fid as a
// string); the Directory maps accounts to members. Attrs carries platform attributes a scorer may read
// (follower_count, power_badge, a GitHub author_association), with numbers kept as json.Number so that no
// precision is lost on the way through.
type Event struct {
	Seq          int64          `json:"seq,omitempty"` // store-assigned order of arrival; 0 until stored
	Source       Source         `json:"source"`
	ExternalID   string         `json:"id"`
	Kind         Kind           `json:"kind"`
	Actor        string         `json:"actor"`
	Target       string         `json:"target,omitempty"`        // external id of the object acted upon
	TargetAuthor string         `json:"target_author,omitempty"` // platform id of the target's author
	Content      string         `json:"content,omitempty"`
	Time         time.Time      `json:"time"`
	Attrs        map[string]any `json:"attrs,omitempty"`
}

// Key returns the idempotency key "source/id".
func (e *Event) Key() string { return string(e.Source) + "/" + e.ExternalID }

// SetIDs sets e's external id, actor, target and target author from ids, the four written one after the
// other, the first three idLen, actorLen and targetLen bytes long: the four share ids rather than each
// being a string of its own. The store's and the spool's walks of the log read millions of events, and
// these strings are what a scorer keeps of one, if anything.
func (e *Event) SetIDs(ids string, idLen, actorLen, targetLen int) {
	a, b, c := idLen, idLen+actorLen, idLen+actorLen+targetLen
	e.ExternalID, e.Actor, e.Target, e.TargetAuthor = ids[:a], ids[a:b], ids[b:c], ids[c:]
}

// AccountKey returns the actor's account key "source:actor".
func (e *Event) AccountKey() string { return string(e.Source) + ":" + e.Actor }

// TargetAccountKey returns the target author's account key, or "" when the event has no target author.
func (e *Event) TargetAccountKey() string {
	if e.TargetAuthor == "" {
		return ""
	}
	return string(e.Source) + ":" + e.TargetAuthor
}

// Validate checks every field and returns all problems found, in field order. Index and Line of the returned
// errors are left for the caller to fill in. Besides limits, UTF-8 and NUL, it refuses control and
// bidirectional-override characters in ids, member handles that break the handle rule (CheckHandle), wallet
// addresses that are not addresses or carry a wrong EIP-55 checksum (CheckAddress), and attributes that a
// scorer or check reads when they have the wrong type or range, per source and kind (docs/events.md). Every
// way into the log (import, the API, the CLI's member commands) calls it.
func (e *Event) Validate() []*FieldError {
	var errs []*FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Index: -1, ID: printableID(e.ExternalID), Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	str := func(field, v string, required bool, max int) {
		switch {
		case v == "" && required:
			bad(field, "missing")
		case len(v) > max:
			bad(field, "too long: %d bytes, at most %d", len(v), max)
		case !utf8.ValidString(v):
			bad(field, "invalid UTF-8")
		case strings.IndexByte(v, 0) >= 0:
			bad(field, "contains a NUL character, which no store can keep")
		case field != "content":
			if p := safeText(v); p != "" {
				bad(field, "%s", p)
			}
		}
	}
	if e.Source == "" {
		bad("source", "missing")
	} else if !e.Source.Valid() {
		bad("source", "unknown source %q", truncate(string(e.Source), 40))
	}
	str("id", e.ExternalID, true, MaxIDLen)
	if e.Kind == "" {
		bad("kind", "missing")
	} else if !KnownKind(e.Source, e.Kind) {
		bad("kind", "unknown kind %q", truncate(string(e.Kind), 40))
	}
	str("actor", e.Actor, true, MaxIDLen)
	str("target", e.Target, false, MaxIDLen)
	str("target_author", e.TargetAuthor, false, MaxIDLen)
	str("content", e.Content, false, MaxContentLen)
	if e.Time.IsZero() {
		bad("time", "missing")
	} else if y := e.Time.UTC().Year(); y < minYear || y > maxYear {
		bad("time", "year %d out of range %d–%d", y, minYear, maxYear)
	}
	if e.Attrs != nil {
		if err := checkAttrs("attrs", e.Attrs, 0); err != nil {
			errs = append(errs, &FieldError{Index: -1, ID: printableID(e.ExternalID), Field: err.Field, Reason: err.Reason})
		} else if attrsMayExceed(e.Attrs, MaxAttrsLen) {
			if b, _ := json.Marshal(e.Attrs); len(b) > MaxAttrsLen {
				bad("attrs", "too long: %d bytes of JSON, at most %d", len(b), MaxAttrsLen)
			}
		}
	}
	e.validateAttrs(bad)
	errs = append(errs, e.validateIdentity()...)
	return errs
}

// validateIdentity checks the attributes that identity kinds need, and the member handles that events of
// source plaudit name.
func (e *Event) validateIdentity() []*FieldError {
	var errs []*FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Index: -1, ID: printableID(e.ExternalID), Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	handle := func(key string) {
		s, ok := e.Attrs[key].(string)
		if !ok || s == "" {
			bad("attrs."+key, "missing: kind %s needs a string attrs.%s", e.Kind, key)
		} else if p := handleProblem(s); p != "" {
			bad("attrs."+key, "member handle %s: %s", quoteClip(s), p)
		}
	}
	if e.Source == SourcePlaudit {
		switch e.Kind {
		case KindLink, KindUnlink: // the actor is the account key "source:id" the operator moves
			src, id, ok := strings.Cut(e.Actor, ":")
			if !ok || id == "" || !Source(src).Valid() || Source(src) == SourcePlaudit {
				bad("actor", "want the account key SOURCE:ID with a platform source (x, discord, github, farcaster, api, file), got %s", quoteClip(e.Actor))
			}
		default: // the actor is a member handle (for a merge, the operator's); unsafe characters are reported already
			if p := handleProblem(e.Actor); p != "" && e.Actor != "" && safeText(e.Actor) == "" {
				bad("actor", "member handle %s: %s", quoteClip(e.Actor), p)
			}
		}
	}
	switch e.Kind {
	case KindLink:
		handle("member")
		if k, ok := e.Attrs["member_kind"]; ok {
			if s, _ := k.(string); s != string(MemberProject) && s != string(MemberCommunity) {
				bad("attrs.member_kind", `must be "project" or "community"`)
			}
		}
	case KindMerge:
		handle("from")
		handle("into")
	case KindWallet:
		if s, ok := e.Attrs["address"].(string); !ok || s == "" {
			bad("attrs.address", "missing: kind wallet needs a string attrs.address")
		} else if p := addressProblem(s); p != "" {
			bad("attrs.address", "wallet %s: %s", quoteClip(s), p)
		}
	case KindKey:
		e.validateKey(bad)
	case KindTier:
		if n, ok := e.AttrInt("tier"); !ok || n < 1 || n > 100 {
			bad("attrs.tier", "missing or not an integer from 1 to 100")
		}
	}
	return errs
}

func checkAttrs(path string, v any, depth int) *FieldError {
	if depth > maxAttrDepth {
		return &FieldError{Field: path, Reason: fmt.Sprintf("nested deeper than %d", maxAttrDepth)}
	}
	switch x := v.(type) {
	case nil, bool, json.Number, float64, int, int64:
	case string:
		if !utf8.ValidString(x) {
			return &FieldError{Field: path, Reason: "invalid UTF-8"}
		}
	case []any:
		for i, y := range x {
			if err := checkAttrs(fmt.Sprintf("%s[%d]", path, i), y, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, y := range x {
			if !utf8.ValidString(k) {
				return &FieldError{Field: path, Reason: "key with invalid UTF-8"}
			}
			if err := checkAttrs(path+"."+k, y, depth+1); err != nil {
				return err
			}
		}
	default:
		return &FieldError{Field: path, Reason: fmt.Sprintf("unsupported value of type %T", v)}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func printableID(id string) string {
	if !utf8.ValidString(id) {
		return ""
	}
	return truncate(id, 80)
}

// AttrString returns attrs[key] as a string; numbers and booleans are formatted.
func (e *Event) AttrString(key string) (string, bool) {
	switch v := e.Attrs[key].(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	}
	return "", false
}

// AttrStrings reads an array-of-strings attribute (decoded JSON gives []any); absent or null is empty, and
// anything else is an error naming the attribute and, for a bad item, its index.
func (e *Event) AttrStrings(key string) ([]string, error) {
	v, ok := e.Attrs[key]
	if !ok || v == nil {
		return nil, nil
	}
	switch a := v.(type) {
	case []string:
		return a, nil
	case []any:
		out := make([]string, 0, len(a))
		for i, x := range a {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("attrs.%s[%d]: want a string", key, i)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("attrs.%s: want an array of strings", key)
}

// AttrInt returns attrs[key] as an int64 when it is an integral number or a decimal string.
func (e *Event) AttrInt(key string) (int64, bool) {
	switch v := e.Attrs[key].(type) {
	case json.Number:
		n, err := v.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case int64:
		return v, true
	case int:
		return int64(v), true
	}
	return 0, false
}

// AttrBool returns attrs[key] as a bool; "true"/"false" strings are accepted.
func (e *Event) AttrBool(key string) (bool, bool) {
	switch v := e.Attrs[key].(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}
