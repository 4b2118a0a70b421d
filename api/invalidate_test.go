package api

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestInvalidateRoute: the preview shows a scored event's points; POST .../invalidate without a reason is
// 400 naming the field, with one 201 and the points withdrawn, again 409, and an unknown event 404; the
// decision is in the log.
func TestInvalidateRoute(t *testing.T) {
	f := newFixture(t, "")
	ctx := t.Context()
	pol, err := f.svc.ActivePolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := f.st.Scores(ctx, plaudit.ScoreFilter{PolicyHash: pol.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, s := range scores {
		if s.Points > 0 {
			key = s.Event
			break
		}
	}
	if key == "" {
		t.Fatal("no scored event")
	}
	src, id, _ := strings.Cut(key, "/")
	path := "/v1/events/" + src + "/" + url.PathEscape(id)
	var pre service.InvalidationEffect
	f.getJSON(path+"/invalidation", &pre)
	if pre.Total <= 0 || pre.Invalidated != nil || len(pre.ClosedEpochs) == 0 {
		t.Fatalf("preview of %s (in a closed epoch): %+v", key, pre)
	}
	if _, resp, body := f.do("POST", path+"/invalidate", "application/json", `{}`); resp.StatusCode != 400 || !strings.Contains(body, `"field":"reason"`) {
		t.Fatalf("no reason: %d %s", resp.StatusCode, body)
	}
	_, resp, body := f.do("POST", path+"/invalidate", "application/json", `{"reason":"copied"}`)
	if resp.StatusCode != 201 {
		t.Fatalf("invalidate: %d %s", resp.StatusCode, body)
	}
	var res service.Invalidation
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Before.Total != pre.Total || res.After.Total != 0 || res.After.Invalidated == nil || res.Decision.Attrs["reason"] != "copied" {
		t.Fatalf("invalidate: before %s after %s decision %+v", res.Before.Total, res.After.Total, res.Decision)
	}
	if _, resp, body := f.do("POST", path+"/invalidate", "application/json", `{"reason":"again"}`); resp.StatusCode != 409 || !strings.Contains(body, "invalidated already") {
		t.Fatalf("twice: %d %s", resp.StatusCode, body)
	}
	if _, resp, body := f.do("POST", "/v1/events/x/nope/invalidate", "application/json", `{"reason":"r"}`); resp.StatusCode != 404 {
		t.Fatalf("unknown: %d %s", resp.StatusCode, body)
	}
	if _, err := f.st.EventByKey(ctx, plaudit.SourcePlaudit, res.Decision.ExternalID); err != nil {
		t.Fatalf("the decision is not in the log: %v", err)
	}
}
