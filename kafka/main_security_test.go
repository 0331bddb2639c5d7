package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/streamgen/streamgen/runtime"
)

// testPKI is a certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, written as PEM files.
type testPKI struct {
	caFile, certFile, keyFile string // the CA, and the client's certificate and key
	server                    tls.Certificate
	pool                      *x509.CertPool
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	now := time.Now()
	caKey := key()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "streamgen test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := key()
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "streamgen test"},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		}, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = write("ca.pem", "CERTIFICATE", caDER)
	serverDER, serverKey := leaf(2, x509.ExtKeyUsageServerAuth)
	p.server = tls.Certificate{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}
	clientDER, clientKey := leaf(3, x509.ExtKeyUsageClientAuth)
	p.certFile = write("client.pem", "CERTIFICATE", clientDER)
	keyDER, err := x509.MarshalECPrivateKey(clientKey)
	if err != nil {
		t.Fatal(err)
	}
	p.keyFile = write("client-key.pem", "EC PRIVATE KEY", keyDER)
	return p
}

// TestMainSecured runs a pipeline binary's Main against a broker that
// takes only TLS connections with a client certificate and SCRAM-SHA-256
// logins, and a Schema Registry that takes only basic authentication,
// all configured by flags and environment variables: the pipeline reads
// Confluent-framed records and writes its outputs exactly once. With a
// wrong password Main fails at start, naming the authentication.
func TestMainSecured(t *testing.T) {
	pki := newTestPKI(t)
	const user, pass = "pipeline", "s3cret-password"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", user, pass),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{pki.server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pki.pool, MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	reg := srfake.New(srfake.WithAuth("Basic " + base64.StdEncoding.EncodeToString([]byte("registry-user:registry-pw"))))
	t.Cleanup(reg.Close)

	// The test's own clients, configured like the pipeline's.
	sec := securityConfig{tls: true, caFile: pki.caFile, certFile: pki.certFile, keyFile: pki.keyFile,
		saslMechanism: "SCRAM-SHA-256", saslUser: user, saslPass: pass, registryUser: "registry-user", registryPass: "registry-pw"}
	tlsCfg, err := sec.tlsConfig()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(sec.kafkaOpts(tlsCfg), kgo.SeedBrokers(brokers...))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	users, ids, dlq := "users", "ids", "users-dlq"
	for _, topic := range []string{users, ids, dlq} {
		if _, err := kadm.NewClient(cl).CreateTopic(ctx, 2, -1, nil, topic); err != nil {
			t.Fatal(err)
		}
	}
	regCl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(reg.URL())}, sec.registryOpts(tlsCfg)...)...)
	if err != nil {
		t.Fatal(err)
	}
	recs := framedUsers(t, NewConfluentFraming(RegistryClient(regCl), AutoRegister(true)), users, "a", "b", "c")
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	spec := func(f *ConfluentFraming) runtime.PipelineSpec {
		return runtime.PipelineSpec{
			Name:    "secured-ids",
			Inputs:  []runtime.InputSpec{{Name: "users", Topics: []string{users}, Start: runtime.StartPosition{Mode: runtime.StartEarliest}, DeadLetterTopic: dlq}},
			Outputs: []runtime.OutputSpec{{Name: "ids", Topic: ids}},
			Build:   userIDsBuild(f, users, ids, dlq),
		}
	}
	args := []string{"--brokers", strings.Join(brokers, ","), "--state-dir", t.TempDir(), "--metrics-addr=", "--schema-registry", reg.URL(),
		"--tls-ca", pki.caFile, "--tls-cert", pki.certFile, "--tls-key", pki.keyFile, "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-username", user}
	env := map[string]string{"KAFKA_SASL_PASSWORD": pass, "SCHEMA_REGISTRY_BASIC_AUTH": "registry-user:registry-pw"}

	// A wrong password stops Main at start.
	{
		wrong := map[string]string{"KAFKA_SASL_PASSWORD": "nope", "SCHEMA_REGISTRY_BASIC_AUTH": env["SCHEMA_REGISTRY_BASIC_AUTH"]}
		f := NewConfluentFraming()
		var stdout, stderr syncBuffer
		err := runMain(ctx, spec(f), args, envOf(wrong), &stdout, &stderr, []Opt{SchemaRegistryFramings(f)})
		// Kafka answers a wrong password with SASL_AUTHENTICATION_FAILED;
		// kfake hangs up, which the error explains.
		if err == nil || !strings.Contains(err.Error(), "SASL_AUTHENTICATION_FAILED") && !strings.Contains(err.Error(), "check that the TLS and SASL settings match its listener, and the SASL user and password") {
			t.Fatalf("runMain with a wrong password: %v", err)
		}
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	f := NewConfluentFraming()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runMain(runCtx, spec(f), args, envOf(env), &stdout, &stderr, []Opt{SchemaRegistryFramings(f)})
	}()

	reader, err := kgo.NewClient(append(sec.kafkaOpts(tlsCfg), kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(ids, dlq),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var got []string
	for len(got) < 3 {
		fs := reader.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %v before the deadline; pipeline log:\n%s", got, stderr.String())
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, r.Topic+":"+string(r.Value)) })
	}
	slices.Sort(got)
	if want := "ids:a,ids:b,ids:c"; strings.Join(got, ",") != want {
		t.Fatalf("outputs %v, want %s (a dead letter means the registry refused the pipeline)", got, want)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("runMain: %v\n%s", err, stderr.String())
	}
}
