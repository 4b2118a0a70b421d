package conversation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/plaudit/plaudit"
)

// MaxRatingsPerEvent bounds the ratings of one relevance event, so that its attrs stay well under
// plaudit.MaxAttrsLen; a conversation with more comments records several events.
const MaxRatingsPerEvent = 200

// RelevanceEvents are the events that record ratings (comment event id → relevance) of the conversation
// thread (the or pull request's event id), authored by the conversation's author and dated at the
// latest rated comment (at), so that the same ratings always make the same events. model names who rated
// them ("tfidf", or the language model). Each event's id is "relevance:" + thread + ":" + a digest of the
// comment ids it rates, so recording the same ratings again stores nothing.
func RelevanceEvents(thread, author string, at time.Time, model string, ratings map[string]decimal.Decimal) []plaudit.Event {
	ids := make([]string, 0, len(ratings))
	for id := range ratings {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []plaudit.Event
	for len(ids) > 0 {
		n := min(len(ids), MaxRatingsPerEvent)
		part := ids[:n]
		ids = ids[n:]
		h := sha256.Sum256([]byte(strings.Join(part, "\n")))
		rs := make(map[string]any, len(part))
		for _, id := range part {
			rs[id] = ratings[id].String()
		}
		out = append(out, plaudit.Event{Source: plaudit.SourceGitHub, ExternalID: "relevance:" + thread + ":" + hex.EncodeToString(h[:8]),
			Kind: plaudit.KindRelevance, Actor: author, Target: thread, Time: at.UTC(),
			Attrs: map[string]any{"model": model, "ratings": rs}})
	}
	return out
}

// recordedRatings reads a relevance event's ratings: comment event id → relevance in [0, 1].
func recordedRatings(e *plaudit.Event) (map[string]decimal.Decimal, error) {
	raw, ok := e.Attrs["ratings"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("attrs.ratings: want an object of comment id → relevance")
	}
	out := make(map[string]decimal.Decimal, len(raw))
	for id, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("attrs.ratings.%s: want a decimal string", id)
		}
		r, err := decimal.NewFromString(s)
		if err != nil || r.Sign() < 0 || r.GreaterThan(decimal.NewFromInt(1)) {
			return nil, fmt.Errorf("attrs.ratings.%s: %q is not a relevance in [0, 1]", id, s)
		}
		out[id] = r
	}
	return out, nil
}

// eventRelevance is the relevance a thread's comments get when scored from events: the recorded rating of
// each comment that has one, the provider's for the others (reported to record, keyed by event id).
type eventRelevance struct {
	inner    RelevanceProvider
	byID     map[int64]*plaudit.Event
	recorded map[string]decimal.Decimal // comment event id → rating
	record   func(ratings map[string]decimal.Decimal)
}

// Relevance implements RelevanceProvider.
func (r *eventRelevance) Relevance(ctx context.Context, spec string, items []RelevanceItem) (map[int64]decimal.Decimal, error) {
	out := make(map[int64]decimal.Decimal, len(items))
	var rest []RelevanceItem
	for _, it := range items {
		if e := r.byID[it.ID]; e != nil {
			if v, ok := r.recorded[e.ExternalID]; ok {
				out[it.ID] = v
				continue
			}
		}
		rest = append(rest, it)
	}
	if len(rest) == 0 || r.inner == nil {
		return out, nil
	}
	rated, err := r.inner.Relevance(ctx, spec, rest)
	if err != nil {
		return nil, err
	}
	fresh := map[string]decimal.Decimal{}
	for _, it := range rest {
		v, ok := rated[it.ID]
		if !ok {
			continue // missing from the answer: counts fully, as the reference; nothing to record
		}
		out[it.ID] = v
		if e := r.byID[it.ID]; e != nil {
			fresh[e.ExternalID] = v
		}
	}
	if r.record != nil && len(fresh) > 0 {
		r.record(fresh)
	}
	return out, nil
}

// RateEvents rates, with rel, the relevance of the comments of the conversations in events that no
// relevance event among events rates yet — exactly the comments and specification ScoreEvents would ask
// about — and returns the new ratings by thread id and comment event id. The caller records them
// (RelevanceEvents) so that scoring replays them.
func (c *Config) RateEvents(ctx context.Context, events []plaudit.Event, rel RelevanceProvider) (map[string]map[string]decimal.Decimal, error) {
	out := map[string]map[string]decimal.Decimal{}
	_, err := c.ScoreEvents(ctx, events, EventOptions{Relevance: rel, Record: func(thread string, ratings map[string]decimal.Decimal) {
		m := out[thread]
		if m == nil {
			m = map[string]decimal.Decimal{}
			out[thread] = m
		}
		for k, v := range ratings {
			m[k] = v
		}
	}})
	if err != nil {
		return nil, err
	}
	return out, nil
}
