package service_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score/cast"
	"github.com/plaudit/plaudit/service"
)

const castWebhooks = `{"created_at":1767614400,"type":"cast.created","data":{"hash":"0xa1","author":{"fid":42,"username":"alice","follower_count":1200,"power_badge":true},"text":"I think this is a really interesting perspective on decentralized social networks. How do you see this evolving?","timestamp":"2026-01-05T12:00:00Z","embeds":[],"reactions":{"likes_count":15,"recasts_count":5},"replies":{"count":3},"mentioned_profiles":[],"channel":{"id":"farcaster"}}}

{"created_at":1767618000,"type":"cast.created","data":{"hash":"0xa2","parent_hash":"0xt","author":{"fid":42,"username":"alice","follower_count":1200},"text":"thanks","timestamp":"2026-01-05T13:00:00Z","mentioned_profiles":[{"fid":99,"username":"shreyaspapi"}]}}
`

// TestScoreCasts scores two casts of one author under preset:cast's parameters, with and without a target,
// and refuses an input with a bad line whole, naming the line and the field.
func TestScoreCasts(t *testing.T) {
	src, err := policy.PresetSource("cast")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse(src, "preset:cast")
	if err != nil {
		t.Fatal(err)
	}
	params, err := service.CastParams(pol, "preset:cast")
	if err != nil {
		t.Fatal(err)
	}
	params.Target = cast.Profile{Username: "shreyaspapi", FID: 99}
	got, err := service.ScoreCasts(strings.NewReader(castWebhooks), "stdin", params)
	if err != nil {
		t.Fatal(err)
	}
	total, err := plaudit.ParsePoints("71.2")
	if err != nil {
		t.Fatal(err)
	}
	// 0xa1: CQ 75, CI 94, Cons 50, AC 30 → 71.2; 0xa2, an hour later, mentions the target: AC 50 → 19.
	want := []service.CastScore{
		{Hash: "0xa1", FID: 42, Total: total, CommunicationQuality: 75, CommunityImpact: 94, Consistency: 50, ActiveCampaign: 30},
		{Hash: "0xa2", FID: 42, Total: plaudit.PointsFromInt(19), CommunicationQuality: 5, CommunityImpact: 20, Consistency: 30, ActiveCampaign: 50},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("scores %+v, want %+v", got, want)
	}

	bad := strings.SplitN(castWebhooks, "\n", 2)[0] + "\n" + `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":"x"}}}` + "\n"
	_, err = service.ScoreCasts(strings.NewReader(bad), "stdin", params)
	var ve *plaudit.ValidationError
	if !errors.As(err, &ve) || ve.Input != "stdin" || len(ve.Errors) != 1 || ve.Errors[0].Line != 2 || ve.Errors[0].Field != "data.author.fid" {
		t.Fatalf("bad line: %v", err)
	}

	def, err := policy.PresetSource("tiered")
	if err != nil {
		t.Fatal(err)
	}
	dp, err := policy.Parse(def, "preset:tiered")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := service.CastParams(dp, "preset:tiered"); plaudit.ErrorCode(err) != plaudit.EINVALID {
		t.Fatalf("a policy without a cast scorer: %v, want EINVALID", err)
	}
}
