// Package load drives a running parley server over HTTP for a bounded
// time, as tessera's hammer drives a log, and checks afterwards that
// every write it was answered for is there and provable. It is behind
// `parley load`.
//
// Run starts writers, which POST action items through the JSON API (at a
// target rate, or as fast as the server answers), and readers, which GET
// lists, single items and the proofs of records already written. Every
// interval it reports writes and reads per second, their p50 and p99
// latencies, the time from a write to the first published checkpoint that
// covers it, errors by kind, and the server's memory as its /metrics
// tells it. Each write the server acknowledged (201 and a receipt) goes
// to a file, one JSON line per record, with its receipt.
//
// Check reads such files back and, for each record, fetches its proof and
// verifies it with the log's public key and the witnesses' (package
// proof), against the receipt; then it checks that every checkpoint those
// proofs were against is consistent with the log's latest. A record
// acknowledged and then lost, altered or moved in the log fails.
//
// Like the hammer, the load is a set of independent workers fed by a
// pacer, with latency and errors aggregated per interval; unlike the
// hammer, which writes leaves to a log, it writes records through the
// whole of parley (authentication, validation, the store's transaction
// and the log) and reads them as a party's client does.
package load

import (
	"bufio"
	"bytes"
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/formats/log"
	tclient "github.com/transparency-dev/tessera/client"

	"github.com/parley-project/parley/app"
	"github.com/parley-project/parley/ledger"
	"github.com/parley-project/parley/proof"
)

// Config is one run of the load.
type Config struct {
	// URL is the server's base URL; see CheckURL.
	URL *url.URL
	// Tokens are API tokens of principals who may write action items
	// (the mediator or negotiator role). Writer i writes with token
	// i mod len(Tokens), as an item its party owns.
	Tokens []string
	// MetricsToken is an API token of an administrator of the mediating
	// party, for /metrics; without it the server's memory is not
	// reported.
	MetricsToken string
	// Writers and Readers are the numbers of concurrent workers; each
	// has one request in flight at a time.
	Writers, Readers int
	// WriteRate and ReadRate are the target requests per second, in
	// total; 0 is as fast as the workers get answers.
	WriteRate, ReadRate float64
	// Duration bounds the run; Writes, if not 0, ends it once that many
	// writes have been acknowledged.
	Duration time.Duration
	Writes   int64
	// Interval is how often a line of figures is reported.
	Interval time.Duration
	// Timeout bounds each request.
	Timeout time.Duration
	// PublishWait is how long, after the last write, the run waits for a
	// checkpoint that covers every acknowledged record.
	PublishWait time.Duration
	// NoteBytes pads each action item's note to this size, to write
	// records of a realistic size.
	NoteBytes int
	// LogKey, if set, is the log's verifier key: every checkpoint the
	// run reads must be signed with it.
	LogKey string
	// Acked receives one JSON line (an Acked) per acknowledged write.
	Acked io.Writer
	// Out receives the report.
	Out io.Writer
}

// Acked is one acknowledged write, as a line of the acknowledged-records
// file: the receipt the server answered with, and what Check needs to read
// the record again. A line is also a receipt file for `parley verify`.
type Acked struct {
	Receipt app.Receipt `json:"receipt"`
	// EntityID is the action item's id; Login, the principal who wrote
	// it, whose token may read it.
	EntityID string    `json:"entity_id"`
	Login    string    `json:"login"`
	AckedAt  time.Time `json:"acked_at"`
	// Run names the run, so that the files of several runs can be told
	// apart.
	Run string `json:"run"`
}

// Summary is the outcome of a run.
type Summary struct {
	Elapsed time.Duration
	// Acked is the number of writes acknowledged; Reads, of reads
	// answered 200.
	Acked, Reads int64
	// Errors counts every failed request and every acknowledged record
	// not published within PublishWait.
	Errors int64
	// Behind counts the writes the target rate called for that were not
	// sent, every writer being busy.
	Behind int64
	// Interrupted is true when the run was cancelled (Ctrl-C) rather
	// than ended by its duration or goal; it does not then wait for the
	// last records to be published.
	Interrupted bool
}

// DefaultPublishWait is the default of Config.PublishWait: well over the
// second within which a healthy log publishes a checkpoint.
const DefaultPublishWait = 30 * time.Second

// collection is what the writers write: action items, which a mediator
// or negotiator may write with an ordinary token (approvals need a
// capital's signature), of the party that writes them.
const collection = "action-items"

// run is the state of one Run.
type run struct {
	cfg   Config
	id    string
	c     *client
	ps    []principal
	stats *stats
	// stop is closed when the workers are to finish the request in hand
	// and stop.
	stop     chan struct{}
	stopOnce sync.Once
	acked    atomic.Int64
	reads    atomic.Int64

	ackMu  sync.Mutex
	ackOut *bufio.Writer
	ackEnc *json.Encoder
	// written are the acknowledged records, for the readers to read.
	written []written

	// published is the size of the latest published checkpoint seen.
	published atomic.Uint64
	// With a log key, lastCheckpoint is the latest checkpoint seen, each
	// verified and consistent with the one before (checkpoints counts
	// them); tiles reads the log's tiles for the consistency proofs.
	// Only the tracker uses them.
	lastCheckpoint *log.Checkpoint
	checkpoints    atomic.Int64
	tiles          *tclient.HTTPFetcher

	pendMu  sync.Mutex
	pending pendingHeap

	memMu  sync.Mutex
	memory []memory
}

// written is an acknowledged record, as the readers pick one.
type written struct {
	entity, record string
	leaf           uint64
	commitment     string
	principal      int
}

// Run runs the load until cfg.Duration has passed, cfg.Writes writes are
// acknowledged, or ctx is cancelled; then it lets the requests in flight
// finish, waits for their records to be published, and reports the
// totals. An error means the run could not start or its file could not be
// written; the failed requests are in the Summary and the report.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if len(cfg.Tokens) == 0 {
		return Summary{}, errors.New("no API token to write with")
	}
	if cfg.Writers < 1 {
		return Summary{}, errors.New("at least one writer is needed")
	}
	if cfg.Interval <= 0 || cfg.Timeout <= 0 || cfg.Duration <= 0 {
		return Summary{}, errors.New("the duration, the interval and the timeout must be positive")
	}
	if cfg.PublishWait <= 0 {
		cfg.PublishWait = DefaultPublishWait
	}
	var id [4]byte
	rand.Read(id[:])
	r := &run{
		cfg:    cfg,
		id:     hex.EncodeToString(id[:]),
		c:      newClient(cfg.URL, cfg.Writers+cfg.Readers+2, cfg.Timeout),
		stop:   make(chan struct{}),
		ackOut: bufio.NewWriter(cfg.Acked),
	}
	r.ackEnc = json.NewEncoder(r.ackOut)
	defer r.c.close()
	tiles, err := tclient.NewHTTPFetcher(cfg.URL.JoinPath("log"), r.c.hc)
	if err != nil {
		return Summary{}, err
	}
	r.tiles = tiles
	ps, err := r.c.whoami(ctx, cfg.Tokens)
	if err != nil {
		return Summary{}, err
	}
	r.ps = ps
	if err := r.trackOnce(ctx); err != nil {
		return Summary{}, fmt.Errorf("couldn't read the log's checkpoint: %w", err)
	}
	r.header()

	start := time.Now()
	r.stats = newStats(start)
	var workers sync.WaitGroup
	writeTokens := r.pacer(cfg.WriteRate, cfg.Writers, true)
	for i := range cfg.Writers {
		workers.Go(func() { r.writer(ctx, i, writeTokens) })
	}
	readTokens := r.pacer(cfg.ReadRate, max(cfg.Readers, 1), false)
	for i := range cfg.Readers {
		workers.Go(func() { r.reader(ctx, i, readTokens) })
	}
	trackDone := make(chan struct{})
	tracked := make(chan struct{})
	go func() {
		defer close(tracked)
		r.track(ctx, trackDone)
	}()
	reportDone := make(chan struct{})
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		r.report(ctx, start, reportDone)
	}()

	timer := time.NewTimer(cfg.Duration)
	select {
	case <-timer.C:
	case <-ctx.Done():
	case <-r.stop:
	}
	timer.Stop()
	r.halt()
	workers.Wait()
	elapsed := time.Since(start)
	unpublished := r.awaitPublished(ctx)
	close(trackDone)
	<-tracked
	close(reportDone)
	<-reported

	if unpublished > 0 && ctx.Err() == nil {
		r.stats.fail(opPublish+" not within "+cfg.PublishWait.String(),
			fmt.Sprintf("%d acknowledged records were not in a published checkpoint %v after the last write", unpublished, cfg.PublishWait))
	}
	r.row(ctx, r.stats.next(time.Now()), start)
	r.ackMu.Lock()
	flushErr := r.ackOut.Flush()
	r.ackMu.Unlock()
	sum := Summary{Elapsed: elapsed, Acked: r.acked.Load(), Reads: r.reads.Load(),
		Errors: r.stats.errorCount(), Behind: r.stats.total.behind, Interrupted: ctx.Err() != nil}
	r.totals(sum)
	if flushErr != nil {
		return sum, fmt.Errorf("couldn't write the acknowledged records: %w", flushErr)
	}
	return sum, nil
}

// halt tells every worker to stop after the request in hand.
func (r *run) halt() { r.stopOnce.Do(func() { close(r.stop) }) }

func (r *run) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// pacer returns the channel that workers take a token from before each
// request: rate tokens a second, spread evenly, or nil (no pacing) for
// rate 0. The channel holds one token per worker at most; a token that
// finds it full is dropped, and for writes counted as behind, since
// pacing does not catch up with a burst later: the rate asked for is what
// the server should sustain, and the report says when it did not.
func (r *run) pacer(rate float64, workers int, countBehind bool) <-chan struct{} {
	if rate <= 0 {
		return nil
	}
	tokens := make(chan struct{}, workers)
	// A tick per token up to a thousand a second; beyond, several tokens a
	// tick. Tokens are due by the time elapsed, so ticks that the
	// scheduler delays lose none.
	tick := time.Duration(math.Max(float64(time.Second)/rate, float64(time.Millisecond)))
	tick = min(tick, 50*time.Millisecond)
	go func() {
		t := time.NewTicker(tick)
		defer t.Stop()
		start := time.Now()
		var issued int64
		for {
			select {
			case <-r.stop:
				return
			case now := <-t.C:
				due := int64(rate * now.Sub(start).Seconds())
				var dropped int64
				for ; issued < due; issued++ {
					select {
					case tokens <- struct{}{}:
					default:
						dropped++
					}
				}
				if countBehind && dropped > 0 {
					r.stats.behind(dropped)
				}
			}
		}
	}()
	return tokens
}

// wait takes a token from tokens (nil: none needed), and says whether to
// go on.
func (r *run) wait(tokens <-chan struct{}) bool {
	if tokens == nil {
		return !r.stopped()
	}
	select {
	case <-r.stop:
		return false
	case <-tokens:
		return !r.stopped()
	}
}

// pause follows a request that got no answer. The server is down or
// restarting (killed, say); trying again at once would only measure how
// fast the kernel refuses connections, and flood the report.
func (r *run) pause() {
	t := time.NewTimer(100 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.stop:
	}
}

// actionItem is the body of a write.
type actionItem struct {
	Title      string `json:"title"`
	OwnerParty string `json:"owner_party"`
	Status     string `json:"status"`
	Note       string `json:"note,omitempty"`
}

// writeAnswer is the API's answer to a write.
type writeAnswer struct {
	Receipt app.Receipt `json:"receipt"`
	Item    struct {
		ID string `json:"id"`
	} `json:"item"`
}

const filler = "The parties undertake to exchange the lists of detainees before the next round. "

func (r *run) writer(ctx context.Context, i int, tokens <-chan struct{}) {
	pi := i % len(r.ps)
	p := r.ps[pi]
	note := ""
	if r.cfg.NoteBytes > 0 {
		note = strings.Repeat(filler, r.cfg.NoteBytes/len(filler)+1)[:r.cfg.NoteBytes]
	}
	for n := 0; r.wait(tokens); n++ {
		body, err := json.Marshal(actionItem{
			Title:      fmt.Sprintf("Load %s writer %d item %d", r.id, i, n),
			OwnerParty: p.Party, Status: "open", Note: note,
		})
		if err != nil {
			panic(err) // strings and a struct: cannot fail
		}
		start := time.Now()
		resp, err := r.c.do(ctx, http.MethodPost, "api/v1/"+collection, p.token, body)
		d := time.Since(start)
		if err != nil {
			r.stats.fail(failure(opWrite, err))
			r.pause()
			continue
		}
		if resp.status != http.StatusCreated {
			r.stats.fail(refusal(opWrite, resp))
			continue
		}
		var w writeAnswer
		if err := json.Unmarshal(resp.body, &w); err != nil || w.Receipt.RecordID == "" || w.Item.ID == "" {
			r.stats.fail(opWrite+" malformed answer", fmt.Sprintf("%.200s", resp.body))
			continue
		}
		r.stats.ok(opWrite, d)
		if w.Receipt.LeafIndex == nil {
			// Acknowledged, so listed, but not provable: a server
			// with no log, which parley serve never is.
			r.stats.fail(opWrite+" receipt without a leaf index", w.Receipt.RecordID)
		}
		r.ack(w, pi, start)
	}
}

// ack notes an acknowledged write: in the file, for the readers, and as
// pending publication.
func (r *run) ack(w writeAnswer, pi int, sent time.Time) {
	a := Acked{Receipt: w.Receipt, EntityID: w.Item.ID, Login: r.ps[pi].Login, AckedAt: time.Now().UTC(), Run: r.id}
	r.ackMu.Lock()
	if err := r.ackEnc.Encode(a); err != nil {
		r.ackMu.Unlock()
		r.stats.fail("acked-file write", err.Error())
		return
	}
	wr := written{entity: w.Item.ID, record: w.Receipt.RecordID, commitment: w.Receipt.Commitment, principal: pi, leaf: math.MaxUint64}
	if w.Receipt.LeafIndex != nil {
		wr.leaf = *w.Receipt.LeafIndex
	}
	r.written = append(r.written, wr)
	r.ackMu.Unlock()
	if w.Receipt.LeafIndex != nil {
		r.pendMu.Lock()
		heap.Push(&r.pending, pendingRecord{leaf: *w.Receipt.LeafIndex, sent: sent})
		r.pendMu.Unlock()
	}
	if n := r.acked.Add(1); r.cfg.Writes > 0 && n >= r.cfg.Writes {
		r.halt()
	}
}

// pick returns a record for a read: any acknowledged one, or for a proof,
// one that a published checkpoint covers. Leaves are assigned in about the
// order of acknowledgement, so a few tries at random find one.
func (r *run) pick(forProof bool) (written, bool) {
	published := r.published.Load()
	r.ackMu.Lock()
	defer r.ackMu.Unlock()
	if len(r.written) == 0 {
		return written{}, false
	}
	for range 4 {
		w := r.written[mrand.IntN(len(r.written))]
		if !forProof || w.leaf < published {
			return w, true
		}
	}
	return written{}, false
}

// reader reads in turn a list of the newest action items, one item and
// one record's proof, each of a record this run wrote, with the token it
// was written with (the reader of an item the audience includes).
func (r *run) reader(ctx context.Context, i int, tokens <-chan struct{}) {
	for n := i; r.wait(tokens); n++ {
		op := readOps[n%len(readOps)]
		w, ok := r.pick(op == opProof)
		if !ok {
			op = opList
		}
		token := r.ps[i%len(r.ps)].token
		path := "api/v1/" + collection + "?limit=50&desc=true"
		switch op {
		case opEntity:
			token = r.ps[w.principal].token
			path = "api/v1/" + collection + "/" + url.PathEscape(w.entity)
		case opProof:
			token = r.ps[w.principal].token
			path = "api/v1/records/" + url.PathEscape(w.record) + "/proof"
		}
		start := time.Now()
		resp, err := r.c.do(ctx, http.MethodGet, path, token, nil)
		d := time.Since(start)
		if err != nil {
			r.stats.fail(failure(op, err))
			r.pause()
			continue
		}
		if resp.status != http.StatusOK {
			r.stats.fail(refusal(op, resp))
			continue
		}
		if op == opProof {
			// The full check is Check's; this one is cheap enough to
			// make on every read: the proof is of the record
			// acknowledged, at its place in the log.
			var p proof.Proof
			if err := json.Unmarshal(resp.body, &p); err != nil || p.Commitment != w.commitment || p.LeafIndex != w.leaf {
				r.stats.fail(op+" not the receipt's record", fmt.Sprintf("record %s: proof of commitment %s at %d, receipt %s at %d (%v)",
					w.record, p.Commitment, p.LeafIndex, w.commitment, w.leaf, err))
				continue
			}
		}
		r.stats.ok(op, d)
		r.reads.Add(1)
	}
}

// trackInterval is how often the published checkpoint is read: the
// resolution of the write-to-published latency.
const trackInterval = 100 * time.Millisecond

// track follows the log's published checkpoint until done is closed,
// timing each acknowledged record from its write to the first checkpoint
// that covers it.
func (r *run) track(ctx context.Context, done <-chan struct{}) {
	t := time.NewTicker(trackInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if err := r.trackOnce(ctx); err != nil {
			r.stats.fail(opCheckpoint+" "+errorClass(err), err.Error())
		}
	}
}

// badAnswer is an answer that came, but is not what was asked for: a
// status other than 200, a checkpoint that does not verify.
type badAnswer struct{ kind, msg string }

func (e *badAnswer) Error() string { return e.msg }

// errorClass is the kind of an error after the operation's name: the
// badAnswer's kind, or the class of a request that got no answer.
func errorClass(err error) string {
	var ba *badAnswer
	if errors.As(err, &ba) {
		return ba.kind
	}
	kind, _ := failure("", err)
	return strings.TrimSpace(kind)
}

func (r *run) trackOnce(ctx context.Context) error {
	resp, err := r.c.do(ctx, http.MethodGet, "log/checkpoint", "", nil)
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return &badAnswer{fmt.Sprint(resp.status), fmt.Sprintf("GET /log/checkpoint answered %d", resp.status)}
	}
	var size uint64
	if r.cfg.LogKey != "" {
		cp, _, err := ledger.VerifyCheckpoint(resp.body, r.cfg.LogKey, nil)
		if err != nil {
			return &badAnswer{"bad signature", err.Error()}
		}
		if err := r.consistent(ctx, cp); err != nil {
			return err
		}
		size = cp.Size
	} else if size, err = proof.CheckpointSize(resp.body); err != nil {
		return &badAnswer{"malformed", err.Error()}
	}
	if prev := r.published.Load(); size < prev {
		return &badAnswer{"shrank", fmt.Sprintf("the published log shrank from %d entries to %d", prev, size)}
	}
	r.published.Store(size)
	if r.stats == nil {
		return nil
	}
	now := time.Now()
	r.pendMu.Lock()
	defer r.pendMu.Unlock()
	for r.pending.Len() > 0 && r.pending[0].leaf < size {
		p := heap.Pop(&r.pending).(pendingRecord)
		r.stats.ok(opPublish, now.Sub(p.sent))
	}
	return nil
}

// consistent checks that cp extends the last checkpoint seen, as a
// witness does, with a consistency proof built from the served tiles: what
// the run saw published before a crash must be a prefix of what the
// server publishes after its restart.
func (r *run) consistent(ctx context.Context, cp *log.Checkpoint) error {
	old := r.lastCheckpoint
	switch {
	case old == nil:
	case cp.Size < old.Size:
		return &badAnswer{"shrank", fmt.Sprintf("the published log shrank from %d entries to %d", old.Size, cp.Size)}
	case cp.Size == old.Size:
		if !bytes.Equal(cp.Hash, old.Hash) {
			return &badAnswer{"forked", fmt.Sprintf("two checkpoints of %d entries with different roots", cp.Size)}
		}
		return nil
	default:
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
		defer cancel()
		pb, err := tclient.NewProofBuilder(ctx, cp.Size, r.tiles.ReadTile)
		if err != nil {
			return fmt.Errorf("couldn't read the tiles of the tree of %d entries: %w", cp.Size, err)
		}
		p, err := pb.ConsistencyProof(ctx, old.Size, cp.Size)
		if err != nil {
			return fmt.Errorf("couldn't build the consistency proof from %d to %d entries: %w", old.Size, cp.Size, err)
		}
		if err := ledger.VerifyConsistency(old, cp, p); err != nil {
			return &badAnswer{"inconsistent", err.Error()}
		}
	}
	r.lastCheckpoint = cp
	r.checkpoints.Add(1)
	return nil
}

// awaitPublished waits, up to PublishWait, for a published checkpoint to
// cover every acknowledged record, and returns how many it does not.
func (r *run) awaitPublished(ctx context.Context) int {
	deadline := time.Now().Add(r.cfg.PublishWait)
	t := time.NewTicker(trackInterval)
	defer t.Stop()
	for {
		r.pendMu.Lock()
		n := r.pending.Len()
		r.pendMu.Unlock()
		if n == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return n
		}
		<-t.C
	}
}

// pendingRecord is an acknowledged record not yet seen published.
type pendingRecord struct {
	leaf uint64
	sent time.Time
}

// pendingHeap orders the pending records by leaf index, so that each new
// checkpoint pops those it covers.
type pendingHeap []pendingRecord

func (h pendingHeap) Len() int           { return len(h) }
func (h pendingHeap) Less(i, j int) bool { return h[i].leaf < h[j].leaf }
func (h pendingHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)        { *h = append(*h, x.(pendingRecord)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
