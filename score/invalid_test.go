package score_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// malformedLog holds, besides good events, events that today's validation refuses but that an older store
// may hold: a review whose additions are 1.5, "12", -1 or true, an issue whose labels are a string, a review
// and a comment without a target, a farcaster post whose likes are a string.
const malformedLog = `{"source":"github","id":"PR_1","kind":"pull_request","actor":"dev","content":"Adds the parser.","time":"2026-01-05T10:00:00Z","attrs":{"labels":["Priority: 3"]}}
{"source":"github","id":"PRR_ok","kind":"review","actor":"rev","target":"PR_1","time":"2026-01-05T11:00:00Z","attrs":{"state":"APPROVED","additions":120,"deletions":30}}
{"source":"github","id":"PRR_frac","kind":"review","actor":"rev","target":"PR_1","time":"2026-01-05T11:01:00Z","attrs":{"additions":1.5}}
{"source":"github","id":"PRR_str","kind":"review","actor":"rev","target":"PR_1","time":"2026-01-05T11:02:00Z","attrs":{"additions":"12"}}
{"source":"github","id":"PRR_neg","kind":"review","actor":"rev","target":"PR_1","time":"2026-01-05T11:03:00Z","attrs":{"additions":-1}}
{"source":"github","id":"PRR_bool","kind":"review","actor":"rev","target":"PR_1","time":"2026-01-05T11:04:00Z","attrs":{"additions":true}}
{"source":"github","id":"PRR_notarget","kind":"review","actor":"rev","time":"2026-01-05T11:05:00Z","attrs":{"additions":3}}
{"source":"github","id":"I_labels","kind":"issue","actor":"dev","content":"Fix it","time":"2026-01-05T12:00:00Z","attrs":{"labels":"Priority: 2"}}
{"source":"github","id":"IC_notarget","kind":"comment","actor":"dev","content":"hello there","time":"2026-01-05T12:01:00Z"}
{"source":"farcaster","id":"0xbad","kind":"post","actor":"3621","content":"gm","time":"2026-01-05T12:02:00Z","attrs":{"likes_count":"many"}}
`

// readUnchecked decodes JSON Lines as an old store would hand them back: parsed, but not validated by
// today's rules (every line must be refused by them, except the good ones named).
func readUnchecked(t *testing.T, jsonl string, good ...string) []plaudit.Event {
	t.Helper()
	var out []plaudit.Event
	for i, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var ev plaudit.Event
		errs := eventio.ParseEvent([]byte(line), &ev)
		isGood := false
		for _, g := range good {
			isGood = isGood || ev.Key() == g
		}
		if isGood != (len(errs) == 0) {
			t.Fatalf("line %d (%s): validation %v, want good=%v", i+1, ev.Key(), errs, isGood)
		}
		ev.Seq = int64(i + 1)
		out = append(out, ev)
	}
	return out
}

// TestMalformedEventsScoreZero: under every preset, events the scorers cannot read score 0 with an
// SCORER.invalid line saying why, and the run succeeds; the good review beside them scores as alone.
func TestMalformedEventsScoreZero(t *testing.T) {
	events := readUnchecked(t, malformedLog, "github/PR_1", "github/PRR_ok")
	bad := map[string]string{"github/PRR_frac": "attrs.additions", "github/PRR_str": "attrs.additions", "github/PRR_neg": "attrs.additions",
		"github/PRR_bool": "attrs.additions", "github/PRR_notarget": "target", "github/I_labels": "attrs.labels", "github/IC_notarget": "target"}
	conv, err := policy.Preset("conversation")
	if err != nil {
		t.Fatal(err)
	}
	alone, _, err := score.Run(conv, events[:2], nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range policy.PresetNames() {
		p, err := policy.Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		scores, _, err := score.Run(p, events, nil)
		if err != nil {
			t.Fatalf("preset %s: one malformed event stopped the run: %v", name, err)
		}
		if name != "conversation" {
			continue
		}
		seen := map[string]bool{}
		for _, s := range scores {
			if field, ok := bad[s.Event]; ok {
				seen[s.Event] = true
				if s.Points != 0 || len(s.Lines) != 1 || s.Lines[0].Rule != "conversation.invalid" || !strings.Contains(s.Lines[0].Note, field) {
					t.Errorf("%s: %+v, want 0 points and one conversation.invalid line naming %s", s.Event, s, field)
				}
				if s.Member != "github:rev" && s.Member != "github:dev" {
					t.Errorf("%s: member %q, want the actor's", s.Event, s.Member)
				}
			}
			if s.Event == "github/PRR_ok" && s.Points != alone[1].Points {
				t.Errorf("the good review scored %s beside malformed events, %s alone", s.Points, alone[1].Points)
			}
		}
		if len(seen) != len(bad) {
			t.Errorf("invalid scores for %v, want %d", seen, len(bad))
		}
	}
	// The cast scorer already scores its malformed events 0 (cast.invalid).
	castP, _ := policy.Preset("cast")
	scores, _, err := score.Run(castP, events, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(scores) != 1 || scores[0].Points != 0 || scores[0].Lines[0].Rule != "cast.invalid" {
		t.Errorf("cast: %+v, want one cast.invalid score", scores)
	}
}

// FuzzScoreAccepted decodes arbitrary input as import does and scores every accepted event under every
// preset: no accepted event may fail a run, or be one a scorer cannot read (an SCORER.invalid line means
// the door let through what the scorer refuses).
func FuzzScoreAccepted(f *testing.F) {
	f.Add([]byte(malformedLog))
	f.Add([]byte(`{"source":"x","id":"s","kind":"submit","actor":"1","target":"p","target_author":"2","time":"2026-01-05T10:00:00Z"}
{"source":"x","id":"l","kind":"like","actor":"3","target":"p","target_author":"2","time":"2026-01-05T10:01:00Z"}
{"source":"farcaster","id":"0x1","kind":"reply","actor":"3621","target":"0x0","content":"gm","time":"2026-01-05T10:02:00Z","attrs":{"likes_count":4,"power_badge":true,"mentioned":["bob"]}}
{"source":"api","id":"f","kind":"flag","actor":"erin","target":"x/l","time":"2026-01-05T10:03:00Z","attrs":{"reason":"bot","confirmed":true}}
{"source":"plaudit","id":"t","kind":"tier","actor":"x:3","time":"2026-01-05T10:00:00Z","attrs":{"tier":3}}`))
	presets := map[string]*policy.Policy{}
	for _, name := range policy.PresetNames() {
		p, err := policy.Preset(name)
		if err != nil {
			f.Fatal(err)
		}
		presets[name] = p
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var events []plaudit.Event
		for _, format := range []eventio.Format{eventio.JSONL, eventio.CSV} {
			d := eventio.NewDecoder(bytes.NewReader(data), format)
			for len(events) < 200 {
				var ev plaudit.Event
				err := d.Decode(&ev)
				if errors.Is(err, io.EOF) || err != nil && !eventio.IsLineError(err) {
					break
				}
				if err == nil {
					if errs := ev.Validate(); len(errs) > 0 {
						t.Fatalf("the decoder accepted %s, which Validate refuses: %v", ev.Key(), errs[0])
					}
					ev.Seq = int64(len(events) + 1)
					events = append(events, ev)
				}
			}
		}
		for name, p := range presets {
			scores, _, err := score.Run(p, events, nil)
			if err != nil {
				t.Fatalf("preset %s: %v", name, err)
			}
			for _, s := range scores {
				for _, l := range s.Lines {
					if strings.HasSuffix(l.Rule, ".invalid") {
						t.Fatalf("preset %s: accepted event %s scored as unreadable: %s", name, s.Event, l.Note)
					}
				}
			}
		}
	})
}
