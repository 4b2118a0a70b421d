package cast

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

const goodWebhook = `{"created_at":1767614400,"type":"cast.created","data":{"object":"cast","hash":"0xabc","thread_hash":"0xabc",
"parent_hash":"0xparent","parent_url":null,"author":{"object":"user","fid":42,"username":"alice","follower_count":1200,"power_badge":true},
"text":"I think this is interesting, @shreyaspapi what do you consider next?","timestamp":"2026-01-05T12:00:00.000Z",
"embeds":[{"url":"https://example.com"}],"reactions":{"likes_count":3,"recasts_count":1,"likes":[],"recasts":[]},"replies":{"count":2},
"mentioned_profiles":[{"fid":99,"username":"shreyaspapi"}],"channel":{"id":"farcaster","name":"Farcaster"}}}`

func TestDecodeWebhook(t *testing.T) {
	c, err := DecodeWebhook([]byte(goodWebhook))
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash != "0xabc" || c.FID != 42 || c.Username != "alice" || c.Followers != 1200 || !c.PowerBadge ||
		c.Likes != 3 || c.Recasts != 1 || c.Replies != 2 || c.Embeds != 1 || c.ParentHash != "0xparent" ||
		c.Channel != "farcaster" || len(c.Mentioned) != 1 || c.Mentioned[0].FID != 99 || c.Time.Unix() != 1767614400 {
		t.Fatalf("decoded %+v", c)
	}
}

func TestDecodeWebhookErrors(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"not json", `{`, ""},
		{"wrong type", `{"type":"cast.deleted","data":{}}`, "type"},
		{"missing type", `{"data":{}}`, "type"},
		{"type not string", `{"type":5}`, "type"},
		{"missing data", `{"type":"cast.created"}`, "data"},
		{"data not object", `{"type":"cast.created","data":[1]}`, "data"},
		{"missing hash", `{"type":"cast.created","data":{"author":{"fid":1},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.hash"},
		{"missing fid", `{"type":"cast.created","data":{"hash":"0x1","author":{},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.author.fid"},
		{"fid string", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":"1"},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.author.fid"},
		{"fid zero", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":0},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.author.fid"},
		{"fid fraction", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1.5},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.author.fid"},
		{"bad timestamp", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1},"timestamp":"yesterday"}}`, "data.timestamp"},
		{"missing timestamp", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1}}}`, "data.timestamp"},
		{"likes negative", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1},"timestamp":"2026-01-05T12:00:00Z","reactions":{"likes_count":-1}}}`, "data.reactions.likes_count"},
		{"replies string", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1},"timestamp":"2026-01-05T12:00:00Z","replies":{"count":"2"}}}`, "data.replies.count"},
		{"mentioned not array", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1},"timestamp":"2026-01-05T12:00:00Z","mentioned_profiles":{}}}`, "data.mentioned_profiles"},
		{"power badge string", `{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1,"power_badge":"yes"},"timestamp":"2026-01-05T12:00:00Z"}}`, "data.author.power_badge"},
		{"trailing", `{"type":"cast.created"} x`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeWebhook([]byte(tc.body))
			var fe *plaudit.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err %v (%T), want a FieldError", err, err)
			}
			if fe.Field != tc.field {
				t.Errorf("field %q, want %q (%v)", fe.Field, tc.field, err)
			}
		})
	}
}

func FuzzDecodeWebhook(f *testing.F) {
	f.Add([]byte(goodWebhook))
	f.Add([]byte(`{"type":"cast.created","data":{"hash":"0x1","author":{"fid":1},"timestamp":"2026-01-05T12:00:00Z"}}`))
	f.Add([]byte(`{"type":"cast.created","data":{"hash":"0x1","author":{"fid":9223372036854775807},"timestamp":"2026-01-05T12:00:00Z","text":"🚀🚀🚀 gm"}}`))
	f.Add([]byte(`{"type":"cast.created","data":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := DecodeWebhook(body)
		if err != nil {
			var fe *plaudit.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			if c != nil {
				t.Fatal("cast and error both returned")
			}
			return
		}
		if c.FID <= 0 || c.Hash == "" || c.Likes < 0 || c.Recasts < 0 || c.Replies < 0 || c.Followers < 0 {
			t.Fatalf("accepted an invalid cast %+v", c)
		}
		r := Explain(c, History{}, DefaultParams())
		if r.Total < 0 || r.Total > plaudit.PointsFromInt(100) {
			t.Fatalf("total %s out of 0–100", r.Total)
		}
		for _, m := range []int{r.CommunicationQuality, r.CommunityImpact, r.Consistency, r.ActiveCampaign} {
			if m < 0 || m > 100 {
				t.Fatalf("metric %d out of 0–100", m)
			}
		}
		if s := Score(c, History{}, DefaultParams()); s.Total != r.Total {
			t.Fatalf("Score %s != Explain %s", s.Total, r.Total)
		}
		if _, err := json.Marshal(r.Lines); err != nil || !strings.HasPrefix(r.Lines[0].Rule, "cast.") {
			t.Fatal("lines", err)
		}
	})
}

func TestFromEvent(t *testing.T) {
	e := &plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: "0xc1", Kind: plaudit.KindReply, Actor: "42", Target: "0xp",
		Content: "why?", Time: t0, Attrs: map[string]any{"fid": "42", "username": "alice", "follower_count": json.Number("600"),
			"power_badge": true, "likes_count": json.Number("2"), "recasts_count": json.Number("1"), "replies_count": json.Number("0"),
			"embeds": json.Number("1"), "channel": "dev", "mentioned": []any{"bob"}}}
	c, err := FromEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	if c.FID != 42 || c.ParentHash != "0xp" || c.Followers != 600 || !c.PowerBadge || c.Likes != 2 || c.Embeds != 1 || c.Channel != "dev" || c.Mentioned[0].Username != "bob" {
		t.Fatalf("cast %+v", c)
	}
	e.Attrs["likes_count"] = "many"
	if _, err := FromEvent(e); err == nil || !strings.Contains(err.Error(), "attrs.likes_count") {
		t.Fatalf("err %v", err)
	}
}
