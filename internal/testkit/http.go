package testkit

import (
	"io"
	"net/http"
	"testing"
)

// Fetch sends one request to url, with body (nil for none) as
// application/json and token ("" for none) as its bearer token, and
// returns the status and the body. A request that gets no answer fails
// the test.
func Fetch(tb testing.TB, method, url, token string, body io.Reader) (int, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), method, url, body)
	if err != nil {
		tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
