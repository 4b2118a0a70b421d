package conversation

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit/internal/testenv"
)

// BenchmarkScoreComments scores every recorded conformance comment (purged markdown, role) once per
// iteration and reports comments per second.
func BenchmarkScoreComments(b *testing.B) {
	dir := testenv.Shared(b, "conformance/ubiquity")
	cfg := ubiquityConfig(b, dir)
	var inputs []CommentInput
	for _, path := range resultFiles(b, dir) {
		for _, u := range loadRecorded(b, path) {
			for _, c := range u.Comments {
				inputs = append(inputs, CommentInput{Markdown: c.Content, Role: Role(c.CommentType), URL: c.URL, Relevance: d("0.8"), Priority: 4})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			if _, err := cfg.ScoreComment(in); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportThroughput(b, b.N*len(inputs), cpu0)
}

// BenchmarkScoreConversation reads, purges and scores the recorded issue-5 conversation (raw GitHub JSON
// already decoded) per iteration, and reports comments per second.
func BenchmarkScoreConversation(b *testing.B) {
	dir := testenv.Shared(b, "conformance/ubiquity")
	cfg := ubiquityConfig(b, dir)
	th := &Thread{
		Issue:          readRoute(b, dir, "issue-5-conversation-rewards/issue-5-get.json", DecodeIssue),
		Comments:       readRoute(b, dir, "issue-5-conversation-rewards/issue-5-comments-get.json", DecodeComments),
		Pull:           readRoute(b, dir, "pull-12-conversation-rewards/pull-12-get.json", DecodeIssue),
		PullComments:   readRoute(b, dir, "pull-12-conversation-rewards/issue-12-comments-get.json", DecodeComments),
		ReviewComments: readRoute(b, dir, "pull-12-conversation-rewards/pull-12-comments-get.json", DecodeComments),
		Reviews:        readRoute(b, dir, "pull-12-conversation-rewards/pull-12-reviews-get.json", DecodeReviews),
	}
	res, err := cfg.Score(context.Background(), th, Fixed(d("0.8")))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, u := range res.Users {
		n += len(u.Comments)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := cfg.Score(context.Background(), th, Fixed(d("0.8"))); err != nil {
			b.Fatal(err)
		}
	}
	reportThroughput(b, b.N*n, cpu0)
}

// reportThroughput reports comments per wall-clock second and per CPU second of the whole process (GC
// included): on a shared machine the second is the per-core figure.
func reportThroughput(b *testing.B, comments int, cpu0 time.Duration) {
	b.ReportMetric(float64(comments)/b.Elapsed().Seconds(), "comments/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(comments)/cpu.Seconds(), "comments/cpu-s")
	}
}
