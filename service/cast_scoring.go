package service

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score/cast"
)

// CastScore is one cast's score as `plaudit score cast` writes it, one JSON object per cast: the total in
// points and the four metrics of the cast scorer.
type CastScore struct {
	Hash                 string         `json:"hash"`
	FID                  int64          `json:"fid"`
	Total                plaudit.Points `json:"total"`
	CommunicationQuality int            `json:"communication_quality"`
	CommunityImpact      int            `json:"community_impact"`
	Consistency          int            `json:"consistency"`
	ActiveCampaign       int            `json:"active_campaign"`
}

// CastParams returns a copy of the parameters of p's cast scorer, so that the caller may set the target
// without changing the policy; a policy without one is EINVALID. name is how messages name the policy.
func CastParams(p *policy.Policy, name string) (*cast.Params, error) {
	for _, s := range p.Scorers {
		if cp, ok := s.Params.(*cast.Params); ok {
			c := *cp
			return &c, nil
		}
	}
	return nil, plaudit.Errorf(plaudit.EINVALID, "policy %s has no cast scorer", name)
}

// maxCastLine is the longest webhook line ScoreCasts reads.
const maxCastLine = cast.MaxWebhookSize

// ScoreCasts scores Neynar cast.created webhook payloads read from in, one JSON object per line, in order:
// each author's history carries across lines. Every line is decoded before anything is scored, so a bad
// line fails the whole input with a *plaudit.ValidationError naming input, every bad line and its field,
// and nothing is scored. Blank lines are skipped.
func ScoreCasts(in io.Reader, input string, params *cast.Params) ([]CastScore, error) {
	var casts []*cast.Cast
	var bad []*plaudit.FieldError
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxCastLine+1)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		c, err := cast.DecodeWebhook(b)
		if err != nil {
			fe, ok := err.(*plaudit.FieldError) // a field's problem, as DecodeWebhook reports it unwrapped
			if !ok {
				fe = &plaudit.FieldError{Index: -1, Reason: err.Error()}
			}
			fe.Line = line
			bad = append(bad, fe)
			continue
		}
		casts = append(casts, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &plaudit.ValidationError{Input: input, Errors: append(bad, &plaudit.FieldError{Line: line + 1, Index: -1, Reason: fmt.Sprintf("line longer than %d bytes", maxCastLine)})}
		}
		return nil, fmt.Errorf("read %s: %w", input, err)
	}
	if len(bad) > 0 {
		return nil, &plaudit.ValidationError{Input: input, Errors: bad}
	}
	tr := cast.NewTracker(params)
	out := make([]CastScore, 0, len(casts))
	for _, c := range casts {
		r := tr.Score(c, false)
		out = append(out, CastScore{Hash: c.Hash, FID: c.FID, Total: r.Total, CommunicationQuality: r.CommunicationQuality,
			CommunityImpact: r.CommunityImpact, Consistency: r.Consistency, ActiveCampaign: r.ActiveCampaign})
	}
	return out, nil
}
