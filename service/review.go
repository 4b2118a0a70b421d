package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/payout"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/witness"
)

// The decisions on a review item, as the API, the panel and the CLI name them.
const (
	ReviewApprove = "approve"
	ReviewReject  = "reject"
)

// SecondLookRule is the published rule of the second-look draw, so that a witness or anyone can draw the
// sample again from the epoch's record and its input events (docs/witness.md, "Second look").
const SecondLookRule = `SEED = hex(sha256(ROOT ‖ INPUTS_DIGEST)) (the 32-byte Merkle root, zero when nothing is paid, then the 32-byte input digest); ` +
	`rank each rewarded event key by hex(sha256(SEED + "\x00" + KEY)), lowest first; take the first ceil(N × second_look)`

// SecondLookSeed is the seed of a closed epoch's second-look draw: the hex SHA-256 of its 32-byte Merkle
// root (zero when it pays no one) followed by the 32-byte digest of its input events (witness.InputsDigest),
// "0x"-prefixed. Both are fixed only when the epoch closes, so nobody can know beforehand whether an event
// will be drawn, and both are what witnesses sign, so every witness can recompute it.
func SecondLookSeed(root, inputsDigest payout.Hash) string {
	h := sha256.New()
	h.Write(root[:])
	h.Write(inputsDigest[:])
	return "0x" + hex.EncodeToString(h.Sum(nil))
}

// SecondLookSample draws the second look: the rewarded event keys ranked by moderation.SampleRank from
// seed (SecondLookSeed), lowest first, the share (ppm, rounded up) of them. It is moderation's audit draw
// (moderation.Sample, moderation.SampleSize) with the second-look seed: deterministic whatever the keys'
// order.
func SecondLookSample(seed string, rewarded []string, share plaudit.Ratio) []string {
	return moderation.Sample(seed, rewarded, moderation.SampleSize(len(rewarded), share))
}

// ReviewEntry is a review item with the API path that explains it: the event's explanation for a sampled
// event, the member's for a payout line.
type ReviewEntry struct {
	plaudit.ReviewItem
	Explain string `json:"explain"`
}

// ReviewQueue is a closed epoch's review queue: how it was drawn (nil when the policy asks for no review),
// the rule to draw the sample again, and its items by id.
type ReviewQueue struct {
	Epoch string              `json:"epoch"`
	Draw  *plaudit.ReviewDraw `json:"draw"`
	Rule  string              `json:"rule"`
	Items []ReviewEntry       `json:"items"`
}

func (s *Service) reviewStore() (plaudit.ReviewStore, error) {
	rs, ok := s.store.(plaudit.ReviewStore)
	if !ok {
		return nil, plaudit.Errorf(plaudit.EINTERNAL, "this store keeps no review queues")
	}
	return rs, nil
}

// reviewCounts are the items of an epoch that hold its publication: pending, and rejected but not resolved.
type reviewCounts struct{ pending, rejected int }

// wantsReview reports whether the witness settings ask for a person's review of some epochs.
func wantsReview(w policy.Witnesses) bool {
	return w.Enabled() && ((w.ReviewAbove != nil && w.ReviewAbove.Sign() > 0) || w.SecondLook > 0)
}

// epochReviews draws closed epoch ep's review queue the first time it is asked for (its payout lines above
// review_above and its second-look sample), then counts the items that hold its publication.
func (s *Service) epochReviews(ctx context.Context, ep *plaudit.Epoch, wit policy.Witnesses) (reviewCounts, error) {
	var c reviewCounts
	if !wantsReview(wit) {
		return c, nil
	}
	rs, err := s.reviewStore()
	if err != nil {
		return c, err
	}
	if err := s.drawReviews(ctx, rs, ep, wit); err != nil {
		return c, err
	}
	items, err := rs.ReviewItems(ctx, ep.ID, "")
	if err != nil {
		return c, err
	}
	for _, it := range items {
		switch {
		case it.Status == plaudit.ReviewPending:
			c.pending++
		case it.Status == plaudit.ReviewRejected && it.ResolvedAt.IsZero():
			c.rejected++
		}
	}
	return c, nil
}

// drawReviews stores ep's review queue unless it is drawn already: every allocation line paying more than
// review_above, and the second look's share of the rewarded events, drawn from SecondLookSeed. The draw is
// an audit posting.
func (s *Service) drawReviews(ctx context.Context, rs plaudit.ReviewStore, ep *plaudit.Epoch, wit policy.Witnesses) error {
	if d, err := rs.ReviewDraw(ctx, ep.ID); err != nil || d != nil {
		return err
	}
	now := s.actionTime()
	d := &plaudit.ReviewDraw{Epoch: ep.ID, SecondLook: wit.SecondLook, DrawnAt: now}
	var items []plaudit.ReviewItem
	if wit.ReviewAbove != nil && wit.ReviewAbove.Sign() > 0 {
		d.ReviewAbove = wit.ReviewAbove.String()
		err := s.store.ScanAllocations(ctx, ep.ID, func(a *plaudit.Allocation) error {
			if a.Paid != nil && a.Paid.Cmp(wit.ReviewAbove) > 0 {
				items = append(items, plaudit.ReviewItem{Epoch: ep.ID, Kind: plaudit.ReviewPayout, Member: a.Member, Points: a.Points,
					Amount: a.Paid.String(), Created: now,
					Why: fmt.Sprintf("pays %s base units, above review_above %s", a.Paid, wit.ReviewAbove)})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("review queue of %s: allocations: %w", ep.ID, err)
		}
		d.Payouts = len(items)
	}
	if wit.SecondLook > 0 {
		sample, err := s.secondLook(ctx, ep, wit.SecondLook, d, now)
		if err != nil {
			return err
		}
		items = append(items, sample...)
	}
	added, err := rs.AddReviewDraw(ctx, d, items)
	if err != nil || !added {
		return err
	}
	why := fmt.Sprintf("review queue of epoch %s drawn: %d payout line(s) above review_above, %d of %d rewarded event(s) for a second look", ep.ID, d.Payouts, d.Sampled, d.Rewarded)
	if d.Seed != "" {
		why += " (seed " + d.Seed + ")"
	}
	if err := s.audit(ctx, ep.ID, plaudit.Origin{Kind: plaudit.OriginEpoch, ID: ep.ID}, why); err != nil {
		return err
	}
	s.log.Info("review queue drawn", "epoch", ep.ID, "payouts", d.Payouts, "sampled", d.Sampled, "rewarded", d.Rewarded)
	return nil
}

// secondLook draws ep's second-look items, filling d's seed and counts, from exactly what a witness
// rebuilds: the epoch's input events (seq ≤ its log position) scored with the whole-history engine under the
// policy it recorded (score.Run, as RebuildEpoch does). The rewarded events are those with a time in the
// epoch and positive points, by key; each item shows the event's total points and who earned them.
func (s *Service) secondLook(ctx context.Context, ep *plaudit.Epoch, share plaudit.Ratio, d *plaudit.ReviewDraw, now time.Time) ([]plaudit.ReviewItem, error) {
	log, err := s.readLogThrough(ctx, ep.LogSeq)
	if err != nil {
		return nil, fmt.Errorf("second look of %s: %w", ep.ID, err)
	}
	events := log.Through(ep.LogSeq)
	digest, err := witness.InputsDigest(events)
	if err != nil {
		return nil, fmt.Errorf("second look of %s: input digest: %w", ep.ID, err)
	}
	root, err := witness.RootWord(ep.Root)
	if err != nil {
		return nil, fmt.Errorf("second look of %s: %w", ep.ID, err)
	}
	d.Seed = SecondLookSeed(root, digest)
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("second look of %s: recorded policy: %w", ep.ID, err)
	}
	pol, err := PolicyFromRecord(rec)
	if err != nil {
		return nil, err
	}
	scores, _, err := score.Run(pol, events, nil)
	if err != nil {
		return nil, fmt.Errorf("second look of %s: score the inputs: %w", ep.ID, err)
	}
	type earned struct {
		member string
		points plaudit.Points
	}
	byEvent := map[string]*earned{}
	var keys []string
	for _, sc := range scores {
		if sc.Time.Before(ep.Start) || !sc.Time.Before(ep.End) {
			continue
		}
		e := byEvent[sc.Event]
		if e == nil {
			e = &earned{}
			byEvent[sc.Event] = e
		}
		if sc.Points > 0 && e.member == "" {
			e.member = sc.Member
			keys = append(keys, sc.Event)
		}
		e.points += sc.Points
	}
	sample := SecondLookSample(d.Seed, keys, share)
	d.Rewarded, d.Sampled = len(keys), len(sample)
	items := make([]plaudit.ReviewItem, 0, len(sample))
	for i, k := range sample {
		e := byEvent[k]
		items = append(items, plaudit.ReviewItem{Epoch: ep.ID, Kind: plaudit.ReviewSample, Member: e.member, Event: k, Points: e.points, Created: now,
			Why: fmt.Sprintf("second look: drawn %d of %d from %d rewarded events (rank %s)", i+1, len(sample), len(keys), moderation.SampleRank(d.Seed, k))})
	}
	return items, nil
}

// EpochReviews returns closed epoch id's review queue, drawing it first when its policy asks for reviews
// and it was not drawn yet. An epoch whose policy asks for none has an empty queue and no draw.
func (s *Service) EpochReviews(ctx context.Context, id string) (*ReviewQueue, error) {
	ep, wit, err := s.epochWitnesses(ctx, id)
	if err != nil {
		return nil, err
	}
	q := &ReviewQueue{Epoch: ep.ID, Rule: SecondLookRule, Items: []ReviewEntry{}}
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	if _, err := s.epochReviews(ctx, ep, wit); err != nil {
		return nil, err
	}
	if q.Draw, err = rs.ReviewDraw(ctx, ep.ID); err != nil {
		return nil, err
	}
	items, err := rs.ReviewItems(ctx, ep.ID, "")
	if err != nil {
		return nil, err
	}
	q.Items = reviewEntries(items)
	return q, nil
}

// PendingReviews returns every pending review item of every epoch, by id: the queue a reviewer works.
func (s *Service) PendingReviews(ctx context.Context) ([]ReviewEntry, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	items, err := rs.ReviewItems(ctx, "", plaudit.ReviewPending)
	if err != nil {
		return nil, err
	}
	return reviewEntries(items), nil
}

func reviewEntries(items []plaudit.ReviewItem) []ReviewEntry {
	out := make([]ReviewEntry, 0, len(items))
	for _, it := range items {
		out = append(out, ReviewEntry{ReviewItem: it, Explain: ReviewExplainPath(&it)})
	}
	return out
}

// ReviewExplainPath is the API path that explains a review item: GET /v1/explanations/events/{source}/{id}
// for a sampled event, GET /v1/explanations/members/{member} for a payout line.
func ReviewExplainPath(it *plaudit.ReviewItem) string {
	if it.Event != "" {
		src, id, _ := strings.Cut(it.Event, "/")
		return "/v1/explanations/events/" + url.PathEscape(src) + "/" + url.PathEscape(id)
	}
	return "/v1/explanations/members/" + url.PathEscape(it.Member)
}

// DecideReview approves or rejects (decision "approve" or "reject") pending review item item of closed
// epoch id, as operator, with a reason (required: it is recorded with who and when in the item and in the
// ledger's audit log). A rejected item holds publication like a dispute until ResolveDisputes resolves it.
// It returns the item and the epoch's witness state.
func (s *Service) DecideReview(ctx context.Context, id string, item int64, decision, operator, reason string) (*plaudit.ReviewItem, *WitnessState, error) {
	var status string
	switch decision {
	case ReviewApprove:
		status = plaudit.ReviewApproved
	case ReviewReject:
		status = plaudit.ReviewRejected
	default:
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "decision %q: want %q or %q", decision, ReviewApprove, ReviewReject)
	}
	if strings.TrimSpace(reason) == "" {
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "reason: required: say why review item %d of %s is %s", item, id, status)
	}
	if strings.TrimSpace(operator) == "" {
		return nil, nil, plaudit.Errorf(plaudit.EINVALID, "operator: required for the audit log")
	}
	rs, err := s.reviewStore()
	if err != nil {
		return nil, nil, err
	}
	ep, err := s.store.Epoch(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("epoch %s: %w", id, err)
	}
	it, err := rs.DecideReview(ctx, ep.ID, item, status, s.actionTime(), operator, reason)
	if err != nil {
		return nil, nil, err
	}
	what := "payout of " + it.Amount + " to " + it.Member
	if it.Kind == plaudit.ReviewSample {
		what = "event " + it.Event + " of " + it.Member + " (" + it.Points.String() + " points)"
	}
	if err := s.audit(ctx, ep.ID, plaudit.Origin{Kind: plaudit.OriginOperator, ID: operator},
		fmt.Sprintf("review item %d of epoch %s (%s) %s by %s: %s", it.ID, ep.ID, what, status, operator, reason)); err != nil {
		return nil, nil, err
	}
	s.log.Info("review decided", "epoch", ep.ID, "item", it.ID, "status", status, "by", operator)
	st, err := s.WitnessState(ctx, ep.ID)
	return it, st, err
}

// resolveRejectedReviews resolves epoch's rejected review items with the witness disputes
// (ResolveDisputes), returning how many. A store without review queues has none.
func (s *Service) resolveRejectedReviews(ctx context.Context, epoch, operator, resolution, reason string) (int, error) {
	rs, ok := s.store.(plaudit.ReviewStore)
	if !ok {
		return 0, nil
	}
	return rs.ResolveReviews(ctx, epoch, s.now().UTC(), operator, resolution, reason)
}

// heldReason says why st's epoch is not published, or "" when it is.
func heldReason(st *WitnessState, now time.Time) string {
	var why []string
	if st.OpenDisputes > 0 {
		why = append(why, fmt.Sprintf("%d open witness dispute(s)", st.OpenDisputes))
	}
	if st.RejectedReviews > 0 {
		why = append(why, fmt.Sprintf("%d rejected review item(s) to resolve", st.RejectedReviews))
	}
	if st.PendingReviews > 0 {
		why = append(why, fmt.Sprintf("%d review item(s) pending", st.PendingReviews))
	}
	switch st.State {
	case EpochPublished:
		return ""
	case EpochClosed:
		why = append(why, fmt.Sprintf("%d of the %d witness attestations it needs", st.Valid, st.Quorum))
	case EpochAttested:
		if now.Before(st.PublishAt) {
			why = append(why, "dispute window until "+st.PublishAt.Format(time.RFC3339))
		}
	}
	return strings.Join(why, "; ")
}
