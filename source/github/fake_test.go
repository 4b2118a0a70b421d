package github_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is GitHub's REST API as an httptest server, speaking its JSON (the fixtures in testdata/rest,
// in the shapes GitHub documents) and its headers: X-RateLimit-Limit/Remaining/Reset/Used/Resource on
// every answer, Link pagination (pageSize items a page, whatever per_page asks), since/sort/direction on
// the issue list. Failures are queued per path: a primary rate limit (403, X-RateLimit-Remaining: 0), a
// secondary one (403 or 429 with Retry-After and the secondary-rate-limits documentation_url), or a 5xx.
type fakeGitHub struct {
	t        testing.TB
	srv      *httptest.Server
	pageSize int

	mu       sync.Mutex
	fails    map[string][]int // path → statuses to answer before the real one (403 primary = 4030, 403 secondary = 4031)
	requests map[string]int   // path → requests served
	comments []postedComment
	onList   func(page int) // called before each page of the issue list is answered
}

type postedComment struct {
	Path, Body string
}

func newFakeGitHub(t testing.TB) *fakeGitHub {
	f := &fakeGitHub{t: t, pageSize: 1, fails: map[string][]int{}, requests: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// fail queues failures for path (e.g. "/repos/acme/widgets/issues").
func (f *fakeGitHub) fail(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails[path] = append(f.fails[path], statuses...)
}

func (f *fakeGitHub) served(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[path]
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	reIssues   = regexp.MustCompile(`^/repos/acme/widgets/issues$`)
	reIssue    = regexp.MustCompile(`^/repos/acme/widgets/issues/(\d+)$`)
	reComments = regexp.MustCompile(`^/repos/acme/widgets/issues/(\d+)/comments$`)
	reTimeline = regexp.MustCompile(`^/repos/acme/widgets/issues/(\d+)/timeline$`)
	rePull     = regexp.MustCompile(`^/repos/acme/widgets/pulls/(\d+)$`)
	reReviews  = regexp.MustCompile(`^/repos/acme/widgets/pulls/(\d+)/reviews$`)
	reRevComms = regexp.MustCompile(`^/repos/acme/widgets/pulls/(\d+)/comments$`)
	rePullComm = regexp.MustCompile(`^/repos/acme/widgets/pulls/(\d+)/commits$`)
	reMember   = regexp.MustCompile(`^/orgs/acme/memberships/([A-Za-z0-9-]+)$`)
	rePerm     = regexp.MustCompile(`^/repos/acme/widgets/collaborators/([A-Za-z0-9-]+)/permission$`)
	reCompare  = regexp.MustCompile(`^/repos/acme/widgets/compare/([0-9a-f]{40}\.\.\.[0-9a-f]{40})$`)
)

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests[r.URL.Path]++
	var fail int
	if q := f.fails[r.URL.Path]; len(q) > 0 {
		fail, f.fails[r.URL.Path] = q[0], q[1:]
	}
	f.mu.Unlock()
	reset := time.Now().Add(time.Second).Unix()
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-RateLimit-Limit", "5000")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset, 10))
	h.Set("X-RateLimit-Resource", "core")
	h.Set("X-RateLimit-Used", "1")
	h.Set("X-RateLimit-Remaining", "4999")
	switch fail {
	case 0:
	case 4030: // primary: the hourly quota is spent until X-RateLimit-Reset
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Used", "5000")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"API rate limit exceeded for user ID 1001.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`)
		return
	case 4031, 4291: // secondary: Retry-After seconds
		h.Set("Retry-After", "1")
		w.WriteHeader(fail / 10)
		fmt.Fprint(w, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`)
		return
	default:
		w.WriteHeader(fail)
		fmt.Fprintf(w, `{"message":"Server Error %d"}`, fail)
		return
	}
	if r.Method == http.MethodPost {
		if m := reComments.FindStringSubmatch(r.URL.Path); m != nil {
			var c struct {
				Body string `json:"body"`
			}
			if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
				http.Error(w, `{"message":"Problems parsing JSON"}`, http.StatusBadRequest)
				return
			}
			f.mu.Lock()
			f.comments = append(f.comments, postedComment{Path: r.URL.Path, Body: c.Body})
			f.mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":9000001,"node_id":"IC_kwDOPlaudit1","body":%q,"user":{"login":"plaudit-bot","id":42,"type":"Bot"},"created_at":"2026-11-05T12:01:00Z"}`, c.Body)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	p := r.URL.Path
	switch {
	case reIssues.MatchString(p):
		f.issues(w, r)
	case reTimeline.MatchString(p):
		if n := reTimeline.FindStringSubmatch(p)[1]; n == "1" {
			f.page(w, r, "rest/timeline-1.json")
		} else {
			f.writePage(w, r, []byte("[]"))
		}
	case reIssue.MatchString(p):
		w.Write(fixture(f.t, "rest/issue-"+reIssue.FindStringSubmatch(p)[1]+".json"))
	case reComments.MatchString(p):
		// The fixture's comments, then those posted to the fake.
		var items []any
		if err := json.Unmarshal(fixture(f.t, "rest/comments-"+reComments.FindStringSubmatch(p)[1]+".json"), &items); err != nil {
			f.t.Error(err)
		}
		f.mu.Lock()
		for i, c := range f.comments {
			if c.Path == p {
				items = append(items, map[string]any{"id": 9000001 + i, "node_id": fmt.Sprintf("IC_kwDOPlaudit%d", i+1), "body": c.Body,
					"user": map[string]any{"login": "plaudit-bot", "id": 42, "type": "Bot"}, "created_at": "2026-11-05T12:01:00Z",
					"updated_at": "2026-11-05T12:01:00Z", "author_association": "NONE"})
			}
		}
		f.mu.Unlock()
		b, _ := json.Marshal(items)
		f.writePage(w, r, b)
	case rePull.MatchString(p):
		w.Write(fixture(f.t, "rest/pull-"+rePull.FindStringSubmatch(p)[1]+".json"))
	case reReviews.MatchString(p):
		f.page(w, r, "rest/reviews-"+reReviews.FindStringSubmatch(p)[1]+".json")
	case rePullComm.MatchString(p):
		f.page(w, r, "rest/pull-commits-"+rePullComm.FindStringSubmatch(p)[1]+".json")
	case reCompare.MatchString(p):
		f.compare(w, r, "rest/compare-"+reCompare.FindStringSubmatch(p)[1]+".json")
	case reRevComms.MatchString(p):
		f.page(w, r, "rest/review-comments-"+reRevComms.FindStringSubmatch(p)[1]+".json")
	case reMember.MatchString(p):
		f.membership(w, reMember.FindStringSubmatch(p)[1])
	case rePerm.MatchString(p):
		f.permission(w, rePerm.FindStringSubmatch(p)[1])
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)
	}
}

// issues answers GET /repos/{owner}/{repo}/issues with state=all, sort=updated, direction=asc and since.
func (f *fakeGitHub) issues(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("state") != "all" || q.Get("sort") != "updated" || q.Get("direction") != "asc" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"message":"the fake wants state=all&sort=updated&direction=asc, got %s"}`, r.URL.RawQuery)
		return
	}
	var all []map[string]any
	if err := json.Unmarshal(fixture(f.t, "rest/issues.json"), &all); err != nil {
		f.t.Error(err)
		return
	}
	var since time.Time
	if s := q.Get("since"); s != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, s); err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprintf(w, `{"message":"since: %v"}`, err)
			return
		}
	}
	var sel []map[string]any
	for _, is := range all {
		u, _ := time.Parse(time.RFC3339, is["updated_at"].(string))
		if !u.Before(since) {
			sel = append(sel, is)
		}
	}
	sort.SliceStable(sel, func(i, j int) bool { return sel[i]["updated_at"].(string) < sel[j]["updated_at"].(string) })
	page, _ := strconv.Atoi(q.Get("page"))
	if f.onList != nil {
		f.onList(max(page, 1))
	}
	b, _ := json.Marshal(sel)
	f.writePage(w, r, b)
}

func (f *fakeGitHub) page(w http.ResponseWriter, r *http.Request, name string) {
	f.writePage(w, r, fixture(f.t, name))
}

// writePage answers one page of the JSON array all, with a Link header to the next and last pages.
func (f *fakeGitHub) writePage(w http.ResponseWriter, r *http.Request, all []byte) {
	var items []json.RawMessage
	if err := json.Unmarshal(all, &items); err != nil {
		f.t.Error(err)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	pages := max((len(items)+f.pageSize-1)/f.pageSize, 1)
	lo, hi := min((page-1)*f.pageSize, len(items)), min(page*f.pageSize, len(items))
	link := func(p int, rel string) string {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return fmt.Sprintf(`<%s%s>; rel="%s"`, f.srv.URL, u.RequestURI(), rel)
	}
	var links []string
	if page < pages {
		links = append(links, link(page+1, "next"), link(pages, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		l := links[0]
		for _, x := range links[1:] {
			l += ", " + x
		}
		w.Header().Set("Link", l)
	}
	b, _ := json.Marshal(items[lo:hi])
	w.Write(b)
}

// compare answers GET /repos/{owner}/{repo}/compare/{base}...{head} as GitHub pages it: the comparison
// object on every page, with that page's commits and files, and Link headers.
func (f *fakeGitHub) compare(w http.ResponseWriter, r *http.Request, name string) {
	var cmp map[string]any
	if err := json.Unmarshal(fixture(f.t, name), &cmp); err != nil {
		f.t.Error(err)
		return
	}
	files, _ := cmp["files"].([]any)
	commits, _ := cmp["commits"].([]any)
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	pages := max((max(len(files), len(commits))+f.pageSize-1)/f.pageSize, 1)
	slice := func(all []any) []any {
		lo, hi := min((page-1)*f.pageSize, len(all)), min(page*f.pageSize, len(all))
		return all[lo:hi]
	}
	cmp["files"], cmp["commits"] = slice(files), slice(commits)
	if page < pages {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(page+1))
		u.RawQuery = q.Encode()
		next := fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, u.RequestURI())
		q.Set("page", strconv.Itoa(pages))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", next+fmt.Sprintf(`, <%s%s>; rel="last"`, f.srv.URL, u.RequestURI()))
	}
	b, _ := json.Marshal(cmp)
	w.Write(b)
}

// The fake organisation's people: orgMembers are members of acme (GET /orgs/acme/memberships/{user} answers
// their membership; anyone else gets GitHub's 404), and repoRoles are role names on acme/widgets (anyone
// else reads the public repository: "read").
var (
	orgMembers = map[string]string{"olga": "admin", "frank": "member"}
	repoRoles  = map[string]string{"carol": "maintain", "tom": "triage"}
)

func (f *fakeGitHub) membership(w http.ResponseWriter, login string) {
	role, ok := orgMembers[login]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/orgs/members#get-organization-membership-for-a-user","status":"404"}`)
		return
	}
	fmt.Fprintf(w, `{"url":"https://api.github.com/orgs/acme/memberships/%[1]s","state":"active","role":%[2]q,`+
		`"organization_url":"https://api.github.com/orgs/acme","organization":{"login":"acme","id":9001,"node_id":"O_kgDOAcme"},`+
		`"user":{"login":%[1]q,"id":2001,"node_id":"U_kgDO002001","type":"User","site_admin":false}}`, login, role)
}

func (f *fakeGitHub) permission(w http.ResponseWriter, login string) {
	role, ok := repoRoles[login]
	perm := map[string]string{"maintain": "write", "triage": "read"}[role]
	if !ok {
		role, perm = "read", "read"
	}
	perms := map[string]bool{"admin": false, "maintain": role == "maintain", "push": role == "maintain", "triage": role != "read", "pull": true}
	b, _ := json.Marshal(map[string]any{"permission": perm, "role_name": role,
		"user": map[string]any{"login": login, "id": 3001, "node_id": "U_kgDO003001", "type": "User", "site_admin": false, "permissions": perms, "role_name": role}})
	w.Write(b)
}
