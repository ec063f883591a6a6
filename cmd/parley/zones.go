package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/parley-project/parley/httpapi"
	"github.com/parley-project/parley/monitor"
)

var zonesLoadCommand = &command{
	name:     "zones load",
	args:     "FILE.geojson --server URL --token-file FILE",
	operands: 1,
	summary:  "load monitoring zones from a GeoJSON file",
	doc: `
Load the zones that incident reports are classified against (the line of
contact, buffer and exclusion zones, protected objects, regions) from a
GeoJSON FeatureCollection, through the API as the token's principal (a
monitor or the mediator). Each feature's geometry is the zone's; its
properties give the rest:

  name             required
  zone_type        contact-line, buffer, exclusion, protected-object, region
  radius_km        for a point: the zone is the disc of this radius
  protected_class  for a protected object: energy, nuclear, medical,
                   education, water, other
  left_party       for the line of contact: the party holding each side,
  right_party      walking the line from its first position to its last
  party_id         for a buffer zone: whose side it is on
  note

Every feature is checked before anything is written: a file with a bad
feature (an unclosed or self-crossing polygon, a missing name, an unknown
type) is refused whole, naming each bad feature by its index and name. A
zone whose name the installation has already is skipped, so loading the
same file again adds nothing. Progress goes to standard error.`,
	setup: func(c *cli, fs *flag.FlagSet) func(context.Context) error {
		server := fs.String("server", "", "the parley server's base `URL`")
		token := fs.String("token-file", "", "a `file` holding your API token (parley tokens new)")
		return func(ctx context.Context) error { return c.loadZones(ctx, fs.Arg(0), *server, *token) }
	},
}

// feature is one feature of a GeoJSON FeatureCollection.
type feature struct {
	Type       string                     `json:"type"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// readZones reads a zone file and checks every feature, returning every
// problem at once.
func readZones(b []byte) ([]monitor.Zone, error) {
	var fc struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("not a GeoJSON FeatureCollection: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("the file is a GeoJSON %q, not a FeatureCollection", fc.Type)
	}
	var zones []monitor.Zone
	var problems []string
	for i, f := range fc.Features {
		props, err := json.Marshal(f.Properties)
		var z monitor.Zone
		if err == nil {
			dec := json.NewDecoder(bytes.NewReader(props))
			dec.DisallowUnknownFields()
			err = dec.Decode(&z)
		}
		if err == nil {
			z.Geometry = string(f.Geometry)
			z.Normalize()
			err = z.Validate(nil)
		}
		if err == nil && len(z.Geometry) > monitor.MaxGeometry {
			err = fmt.Errorf("geometry: is %d bytes long; at most %d are allowed", len(z.Geometry), monitor.MaxGeometry)
		}
		if err != nil {
			name := ""
			if raw, ok := f.Properties["name"]; ok {
				name = " (" + strings.Trim(string(raw), `"`) + ")"
			}
			problems = append(problems, fmt.Sprintf("feature %d%s: %v", i, name, err))
			continue
		}
		zones = append(zones, z)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the zone file has %d bad features; nothing was loaded:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	if len(zones) == 0 {
		return nil, errors.New("the zone file has no features")
	}
	return zones, nil
}

func (c *cli) loadZones(ctx context.Context, file, server, tokenFile string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("couldn't read the zone file: %w", err)
	}
	zones, err := readZones(b)
	if err != nil {
		return err
	}
	api, err := newAPIClient(server, tokenFile)
	if err != nil {
		return err
	}
	var have struct {
		Items []struct {
			Data struct {
				Name string `json:"name"`
			} `json:"data"`
		} `json:"items"`
	}
	if err := api.do(ctx, http.MethodGet, "zones?limit=500", nil, &have); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, it := range have.Items {
		names[it.Data.Name] = true
	}
	added, skipped := 0, 0
	for i, z := range zones {
		fmt.Fprintf(c.stderr, "\rzone %d of %d", i+1, len(zones))
		if names[z.Name] {
			skipped++
			continue
		}
		body, _ := json.Marshal(z)
		if err := api.do(ctx, http.MethodPost, "zones", body, nil); err != nil {
			fmt.Fprintln(c.stderr)
			return fmt.Errorf("zone %d (%s): %w; the %d zones before it are loaded, and loading the file again skips them", i, z.Name, err, added)
		}
		added++
	}
	fmt.Fprintln(c.stderr)
	fmt.Fprintf(c.stdout, "loaded %d zones; %d were there already\n", added, skipped)
	return nil
}

// apiClient calls the API with a token.
type apiClient struct{ server, token string }

// newAPIClient is the client of --server with the token in --token-file,
// both required.
func newAPIClient(server, tokenFile string) (apiClient, error) {
	if server == "" || tokenFile == "" {
		return apiClient{}, usagef("--server and --token-file are required")
	}
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return apiClient{}, fmt.Errorf("couldn't read the token: %w", err)
	}
	return apiClient{server: server, token: strings.TrimSpace(string(tok))}, nil
}

// do sends a request to path under the API's prefix and decodes a JSON
// answer into out; a refusal is an error with the API's message.
func (a apiClient) do(ctx context.Context, method, path string, body []byte, out any) error {
	return a.send(ctx, method, path, "application/json", body, out)
}

// send is do with the body's media type.
func (a apiClient) send(ctx context.Context, method, path, ctype string, body []byte, out any) error {
	u, err := url.JoinPath(a.server, httpapi.Prefix)
	if err != nil {
		return usagef("--server %q is not a URL: %v", a.server, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, u+"/"+path, bytes.NewReader(body))
	if err != nil {
		return usagef("--server %q: %v", a.server, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("couldn't reach %s: %w", a.server, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Message, Field string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			if e.Error.Field != "" {
				return fmt.Errorf("refused (%s): %s: %s", resp.Status, e.Error.Field, e.Error.Message)
			}
			return fmt.Errorf("refused (%s): %s", resp.Status, e.Error.Message)
		}
		return errors.New("the server answered " + resp.Status)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
