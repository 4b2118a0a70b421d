package x_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/source/x"
	"github.com/plaudit/plaudit/sqlstore"
)

// lookupServer is a fake of X's post and user lookups and GET /2/users/me, answering with the fixtures
// (X's documented shapes: an unknown post is 200 with an "errors" array).
func lookupServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-rate-limit-remaining", "899")
		name := ""
		switch {
		case r.URL.Path == "/2/users/me" && r.Header.Get("Authorization") == "Bearer user-token":
			name = "user_by_username.json"
		case r.Header.Get("Authorization") != "Bearer test-token":
			http.Error(w, `{"title":"Unauthorized","status":401}`, http.StatusUnauthorized)
			return
		case r.URL.Path == "/2/tweets/1790000000000000001":
			if r.URL.Query().Get("expansions") != "author_id" || !strings.Contains(r.URL.Query().Get("user.fields"), "username") {
				t.Errorf("post lookup without the author expansion: %s", r.URL.RawQuery)
			}
			name = "tweet_lookup.json"
		case strings.HasPrefix(r.URL.Path, "/2/tweets/"):
			name = "tweet_not_found.json"
		case r.URL.Path == "/2/users/by/username/alice":
			name = "user_by_username.json"
		case strings.HasPrefix(r.URL.Path, "/2/users/by/username/"):
			w.Write([]byte(`{"errors":[{"value":"nobody","detail":"Could not find user with username: [nobody].","title":"Not Found Error","resource_type":"user","parameter":"username","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`))
			return
		default:
			http.Error(w, `{"title":"Not Found","status":404}`, http.StatusNotFound)
			return
		}
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Error(err)
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestLookups: a post's author, a username's id and a user token's owner are read; unknown posts and
// users are ErrNotFound.
func TestLookups(t *testing.T) {
	ctx := context.Background()
	srv := lookupServer(t)
	c, err := x.NewClient(srv.URL, "test-token", nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := c.LookupPost(ctx, "1790000000000000001")
	if err != nil || pa.Author.ID != "100000000000000001" || pa.Author.Username != "alice" || pa.Post.ID != "1790000000000000001" {
		t.Fatalf("post: %+v %v", pa, err)
	}
	if _, err := c.LookupPost(ctx, "1790000000000000099"); !errors.Is(err, x.ErrNotFound) || !strings.Contains(err.Error(), "Could not find tweet") {
		t.Fatalf("unknown post: %v", err)
	}
	if _, err := c.LookupPost(ctx, "../users/me"); err == nil {
		t.Fatal("a post id that is not a number was looked up")
	}
	u, err := c.UserByUsername(ctx, "alice")
	if err != nil || u.ID != "100000000000000001" || u.PublicMetrics.FollowersCount != 1200 {
		t.Fatalf("user: %+v %v", u, err)
	}
	if _, err := c.UserByUsername(ctx, "nobody"); !errors.Is(err, x.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	hc := &http.Client{Transport: bearer{"user-token"}}
	if me, err := x.Me(ctx, hc, srv.URL); err != nil || me.Username != "alice" {
		t.Fatalf("users/me: %+v %v", me, err)
	}
	if _, err := x.Me(ctx, &http.Client{Transport: bearer{"stolen"}}, srv.URL); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("users/me with a bad token: %v", err)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestCheckSubmitted: the engagement check reads only the submitted posts' engagement, not the searches.
func TestCheckSubmitted(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.DB) {
		ctx := context.Background()
		f := newFakeX(t, t0)
		p, _ := newPoller(t, f, st, 2000, quiet())
		sub := plaudit.Event{Source: plaudit.SourceX, ExternalID: "submit:1800000000000000010", Kind: plaudit.KindSubmit, Actor: "100000000000000001",
			Target: "1800000000000000010", TargetAuthor: "100000000000000001", Time: t0.Add(-time.Hour)}
		if _, err := p.Events.AppendEvents(ctx, []plaudit.Event{sub}); err != nil {
			t.Fatal(err)
		}
		res, err := p.CheckSubmitted(ctx)
		if err != nil || res.Accepted != 5 || res.Queries != 0 {
			t.Fatalf("check: %+v %v", res, err)
		}
		if res, err := p.CheckSubmitted(ctx); err != nil || res.Accepted != 0 {
			t.Fatalf("second check: %+v %v", res, err)
		}
	})
}
