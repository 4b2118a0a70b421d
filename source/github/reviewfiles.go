package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"

	gh "github.com/google/go-github/v84/github"
)

// maxReviewFiles bounds the files a review event lists (its attrs stay under plaudit.MaxAttrsLen); a
// review of more files records only their sums.
const maxReviewFiles = 150

// ReviewFiles reads, for each review of pull request number that names a commit, the files that review
// covered, as Ubiquity's review incentivizer counts them: the comparison of the reviewer's previous
// review's commit (for the reviewer's first review, the parent of the pull request's first commit) with
// the review's commit (GET /repos/{owner}/{repo}/compare/{base}...{head}, every page, files de-duplicated
// by name). The pull request's commits are read page by page. A comparison GitHub cannot make (404 or
// 422: a commit force-pushed away) leaves that review out of the map, with a log line: its event then
// carries the pull request's whole size.
func (c *Client) ReviewFiles(ctx context.Context, owner, repo string, number int, reviews []*gh.PullRequestReview) (map[int64][]*gh.CommitFile, error) {
	out := map[int64][]*gh.CommitFile{}
	if len(reviews) == 0 {
		return out, nil
	}
	name := fmt.Sprintf("%s/%s#%d", owner, repo, number)
	var first *gh.RepositoryCommit
	opt := &gh.ListOptions{PerPage: 100}
	for first == nil {
		var page []*gh.RepositoryCommit
		var resp *gh.Response
		if err := c.do(ctx, "list commits of "+name, func() (r *gh.Response, err error) {
			page, resp, err = c.gh.PullRequests.ListCommits(ctx, owner, repo, number, opt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		if len(page) > 0 {
			first = page[0] // the oldest: GitHub lists a pull request's commits oldest first
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	root := ""
	if first != nil && len(first.Parents) > 0 {
		root = first.Parents[0].GetSHA()
	}
	last := map[string]string{} // reviewer → the commit of their previous review
	cache := map[string][]*gh.CommitFile{}
	for _, r := range reviews {
		head, login := r.GetCommitID(), r.GetUser().GetLogin()
		if head == "" || login == "" {
			continue
		}
		base := root
		if prev, ok := last[login]; ok {
			base = prev
		}
		last[login] = head
		if base == "" {
			continue
		}
		key := base + "..." + head
		files, ok := cache[key]
		if !ok {
			var err error
			files, err = c.compareFiles(ctx, owner, repo, base, head)
			var ge *gh.ErrorResponse
			if errors.As(err, &ge) && ge.Response != nil && (ge.Response.StatusCode == http.StatusNotFound || ge.Response.StatusCode == http.StatusUnprocessableEntity) {
				c.logger().Warn("github: cannot compare a review's commits; the review keeps the pull request's size", "pull", name, "review", r.GetID(), "compare", key, "err", err)
				cache[key] = nil
				continue
			} else if err != nil {
				return nil, err
			}
			cache[key] = files
		}
		if files != nil {
			out[r.GetID()] = files
		}
	}
	return out, nil
}

// compareFiles reads every page of a comparison's changed files, each file once, sorted by name.
func (c *Client) compareFiles(ctx context.Context, owner, repo, base, head string) ([]*gh.CommitFile, error) {
	opt := &gh.ListOptions{PerPage: 100}
	seen := map[string]bool{}
	files := []*gh.CommitFile{}
	for {
		var cmp *gh.CommitsComparison
		var resp *gh.Response
		if err := c.do(ctx, fmt.Sprintf("compare %s...%s in %s/%s", base, head, owner, repo), func() (r *gh.Response, err error) {
			cmp, resp, err = c.gh.Repositories.CompareCommits(ctx, owner, repo, base, head, opt)
			return resp, err
		}); err != nil {
			return nil, err
		}
		for _, f := range cmp.Files {
			if n := f.GetFilename(); n != "" && !seen[n] {
				seen[n] = true
				files = append(files, f)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	sort.Slice(files, func(i, j int) bool { return files[i].GetFilename() < files[j].GetFilename() })
	return files, nil
}

// reviewFilesAttrs are a review's files as event attrs: files [{filename, additions, deletions}] (when
// at most maxReviewFiles) and their sums.
func reviewFilesAttrs(files []*gh.CommitFile, attrs map[string]any) {
	add, del := 0, 0
	list := make([]any, 0, len(files))
	for _, f := range files {
		add += f.GetAdditions()
		del += f.GetDeletions()
		list = append(list, map[string]any{"filename": f.GetFilename(), "additions": f.GetAdditions(), "deletions": f.GetDeletions()})
	}
	attrs["additions"], attrs["deletions"] = add, del
	if len(list) <= maxReviewFiles {
		attrs["files"] = list
	}
}
