package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
	"github.com/twmb/franz-go/pkg/sr"
)

// securityConfig is what Main's TLS and SASL flags, and their environment
// variables, say: how a generated binary reaches a secured cluster (and
// Schema Registry) without code of its own.
type securityConfig struct {
	tls               bool
	caFile            string
	certFile, keyFile string
	saslMechanism     string
	saslUser          string
	saslPass          string // KAFKA_SASL_PASSWORD only: a command line is visible to every user of the machine
	registryUser      string // SCHEMA_REGISTRY_BASIC_AUTH, user:password
	registryPass      string
}

// SASL mechanisms Main's --sasl-mechanism takes.
var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// securityFlags defines the TLS and SASL flags on fs; the function it
// returns reads them, with the environment, once fs is parsed.
func securityFlags(fs *flag.FlagSet, getenv func(string) string) func() (securityConfig, error) {
	var envErr error
	envTLS := false
	if v := getenv("KAFKA_TLS"); v != "" {
		if envTLS, envErr = strconv.ParseBool(v); envErr != nil {
			envErr = fmt.Errorf("KAFKA_TLS %q: want true or false", v)
		}
	}
	tlsOn := fs.Bool("tls", envTLS, "connect to the brokers over TLS, verifying them with the system's roots or --tls-ca (env KAFKA_TLS=true)")
	ca := fs.String("tls-ca", getenv("KAFKA_TLS_CA"), "PEM file of the certificate authorities that sign the brokers' certificates (and an https Schema Registry's); implies --tls (env KAFKA_TLS_CA)")
	cert := fs.String("tls-cert", getenv("KAFKA_TLS_CERT"), "PEM file of this client's certificate, for brokers that authenticate clients by certificate (mutual TLS), with --tls-key; implies --tls (env KAFKA_TLS_CERT)")
	key := fs.String("tls-key", getenv("KAFKA_TLS_KEY"), "PEM file of the private key of --tls-cert (env KAFKA_TLS_KEY)")
	mech := fs.String("sasl-mechanism", getenv("KAFKA_SASL_MECHANISM"), "SASL authentication with the brokers: "+strings.Join(saslMechanisms, ", ")+"; the user is --sasl-username, the password is read from the environment variable KAFKA_SASL_PASSWORD only (env KAFKA_SASL_MECHANISM)")
	user := fs.String("sasl-username", getenv("KAFKA_SASL_USERNAME"), "SASL user name (env KAFKA_SASL_USERNAME)")
	return func() (securityConfig, error) {
		s := securityConfig{tls: *tlsOn, caFile: *ca, certFile: *cert, keyFile: *key, saslUser: *user, saslPass: getenv("KAFKA_SASL_PASSWORD")}
		if envErr != nil {
			return s, envErr
		}
		s.tls = s.tls || s.caFile != "" || s.certFile != "" || s.keyFile != ""
		if (s.certFile == "") != (s.keyFile == "") {
			return s, errors.New("--tls-cert and --tls-key go together: a client certificate needs its key")
		}
		if *mech != "" {
			s.saslMechanism = strings.ToUpper(*mech)
			switch {
			case !slices.Contains(saslMechanisms, s.saslMechanism):
				return s, fmt.Errorf("--sasl-mechanism %q: want one of %s", *mech, strings.Join(saslMechanisms, ", "))
			case s.saslUser == "" || s.saslPass == "":
				return s, fmt.Errorf("--sasl-mechanism %s needs --sasl-username and the password in KAFKA_SASL_PASSWORD", s.saslMechanism)
			}
		} else if s.saslUser != "" {
			return s, errors.New("--sasl-username without --sasl-mechanism: say which mechanism (" + strings.Join(saslMechanisms, ", ") + ")")
		}
		if auth := getenv("SCHEMA_REGISTRY_BASIC_AUTH"); auth != "" {
			u, p, ok := strings.Cut(auth, ":")
			if !ok || u == "" {
				return s, errors.New("SCHEMA_REGISTRY_BASIC_AUTH: want user:password")
			}
			s.registryUser, s.registryPass = u, p
		}
		return s, nil
	}
}

// secured reports whether the flags ask for TLS or SASL.
func (s *securityConfig) secured() bool { return s.tls || s.saslMechanism != "" }

// tlsConfig reads the TLS files; nil without --tls.
func (s *securityConfig) tlsConfig() (*tls.Config, error) {
	if !s.tls {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.caFile != "" {
		pem, err := os.ReadFile(s.caFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", s.caFile)
		}
		cfg.RootCAs = pool
	}
	if s.certFile != "" {
		cert, err := tls.LoadX509KeyPair(s.certFile, s.keyFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert %s and --tls-key %s: %w", s.certFile, s.keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// kafkaOpts are the franz-go options of every client the pipeline makes.
func (s *securityConfig) kafkaOpts(tlsCfg *tls.Config) []kgo.Opt {
	var opts []kgo.Opt
	if tlsCfg != nil {
		// franz-go fills in ServerName from each broker's address.
		opts = append(opts, kgo.DialTLSConfig(tlsCfg.Clone()))
	}
	switch s.saslMechanism {
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: s.saslUser, Pass: s.saslPass}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.saslUser, Pass: s.saslPass}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: s.saslUser, Pass: s.saslPass}.AsSha512Mechanism()))
	}
	return opts
}

// registryOpts are the Schema Registry client's options: the same
// certificate authorities and client certificate for an https registry,
// and basic authentication.
func (s *securityConfig) registryOpts(tlsCfg *tls.Config) []sr.ClientOpt {
	var opts []sr.ClientOpt
	if tlsCfg != nil {
		opts = append(opts, sr.DialTLSConfig(tlsCfg.Clone()))
	}
	if s.registryUser != "" {
		opts = append(opts, sr.BasicAuth(s.registryUser, s.registryPass))
	}
	return opts
}
