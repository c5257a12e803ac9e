/**
 * A corpus written for the retrieval tests: technical notes of three teams (projects), twelve subjects each, six
 * notes per subject (setup, troubleshooting, performance, security, monitoring, migration) — 216 documents in
 * markdown with headings. Each subject and each aspect has a vocabulary of its own, the way real runbooks do, so a
 * question about one aspect of one subject has one right answer; the other notes on the same subject, and the
 * same aspect of other subjects, are the near misses that ranking has to get right.
 *
 * References: every note cites its subject's setup note, and each setup note cites the previous subject's. Access
 * levels 0..3 cycle over subjects and aspects, so every level holds documents of every project.
 */
import type { DocumentInput } from "../../src/documents/ingestDocument.js";

export interface CorpusDocument {
  /** Stable within the corpus: `<project>/<subject>/<aspect>`. */
  key: string;
  input: DocumentInput & { accessLevel: number; references: string[] };
  /** Keys of the documents it references (resolved to ids when loaded). */
  referenceKeys: string[];
}

export interface LabelledQuery {
  q: string;
  projectId: string;
  /** The document that answers it. */
  relevant: string;
}

interface Subject {
  name: string;
  words: readonly [string, string, string, string, string, string];
}

interface Aspect {
  id: string;
  title: string;
  sentences: readonly string[];
  checklist: readonly string[];
  query: (w: Subject["words"], name: string) => string;
}

export const projects: Readonly<Record<string, readonly Subject[]>> = {
  atlas: [
    { name: "PostgreSQL replication", words: ["replica", "standby", "wal", "failover", "streaming", "synchronous"] },
    { name: "Redis caching", words: ["eviction", "keyspace", "sentinel", "pipelining", "maxmemory", "lru"] },
    { name: "Kafka messaging", words: ["broker", "partition", "consumer", "offset", "producer", "zookeeper"] },
    { name: "Kubernetes scheduling", words: ["pod", "affinity", "taint", "toleration", "kubelet", "nodepool"] },
    { name: "Terraform infrastructure code", words: ["module", "statefile", "provider", "workspace", "drift", "hcl"] },
    { name: "DNS resolution", words: ["resolver", "zone", "nameserver", "propagation", "cname", "dnssec"] },
    { name: "Load balancing", words: ["upstream", "healthcheck", "sticky", "roundrobin", "haproxy", "backend"] },
    { name: "Object storage", words: ["bucket", "presigned", "lifecycle", "s3", "glacier", "etag"] },
    { name: "Database backups", words: ["snapshot", "pitr", "archive", "basebackup", "barman", "restore"] },
    { name: "Service mesh", words: ["sidecar", "envoy", "istio", "mtls", "ingress", "gateway"] },
    { name: "Log shipping", words: ["fluentd", "syslog", "logrotate", "shipper", "loki", "grok"] },
    { name: "Secrets management", words: ["vault", "unseal", "lease", "approle", "kms", "rotation"] },
  ],
  beacon: [
    { name: "React rendering", words: ["component", "hooks", "reconciliation", "jsx", "props", "memo"] },
    { name: "CSS layout", words: ["flexbox", "grid", "stylesheet", "cascade", "specificity", "breakpoint"] },
    { name: "Bundling with webpack", words: ["webpack", "treeshaking", "minify", "sourcemap", "loader", "entrypoint"] },
    { name: "Offline support", words: ["serviceworker", "precache", "workbox", "pwa", "manifest", "cachefirst"] },
    { name: "Form handling", words: ["formik", "fieldset", "validator", "checkbox", "submit", "autocomplete"] },
    { name: "Accessibility", words: ["aria", "screenreader", "contrast", "keyboard", "focus", "wcag"] },
    { name: "Internationalization", words: ["locale", "translation", "plural", "icu", "rtl", "i18n"] },
    { name: "Image delivery", words: ["webp", "avif", "srcset", "lazyload", "responsive", "cdn"] },
    { name: "GraphQL client", words: ["apollo", "mutation", "subscription", "graphql", "normalized", "fragment"] },
    { name: "Client-side routing", words: ["router", "history", "deeplink", "navigation", "pushstate", "hashbang"] },
    { name: "State management", words: ["redux", "reducer", "dispatch", "action", "selector", "immutable"] },
    { name: "Web fonts", words: ["typeface", "fontface", "woff2", "fallback", "subsetting", "kerning"] },
  ],
  cobalt: [
    { name: "Gradient boosting", words: ["xgboost", "boosting", "shrinkage", "estimator", "lightgbm", "tree"] },
    { name: "Transformer fine-tuning", words: ["attention", "tokenizer", "transformer", "finetune", "embedding", "checkpoint"] },
    { name: "Feature store", words: ["featurestore", "entity", "materialize", "pointintime", "feast", "join"] },
    { name: "Data labelling", words: ["annotator", "label", "consensus", "labelbox", "bounding", "ontology"] },
    { name: "Spark jobs", words: ["spark", "executor", "shuffle", "dataframe", "rdd", "skew"] },
    { name: "Airflow pipelines", words: ["dag", "airflow", "operator", "backfill", "xcom", "sensor"] },
    { name: "Model serving", words: ["inference", "endpoint", "triton", "batching", "onnx", "quantization"] },
    { name: "Experiment tracking", words: ["mlflow", "run", "hyperparameter", "artifact", "lineage", "wandb"] },
    { name: "Vector indexes", words: ["ann", "hnsw", "faiss", "cosine", "quantizer", "ivf"] },
    { name: "Time series forecasting", words: ["arima", "seasonality", "horizon", "prophet", "lag", "stationarity"] },
    { name: "Data quality checks", words: ["expectations", "anomaly", "nulls", "greatexpectations", "freshness", "constraint"] },
    { name: "Recommender systems", words: ["collaborative", "factorization", "implicit", "coldstart", "ranking", "candidate"] },
  ],
};

const aspects: readonly Aspect[] = [
  {
    id: "setup",
    title: "installation and initial configuration",
    sentences: [
      "Install the {0} prerequisites before anything else and configure the {1} settings from the provisioning template.",
      "The bootstrap script provisions a {2} for each environment; the initial configuration keeps {3} disabled until the install is verified.",
      "Prerequisites: a supported operating system image, the {0} package, and credentials for the provisioning account.",
      "After the install, configure {4} explicitly rather than trusting the defaults of the bootstrap.",
    ],
    checklist: ["install the packages", "configure the {1}", "bootstrap the {2}", "verify the initial {5}"],
    query: (w) => `how do I install and configure ${w[0]} with ${w[1]} prerequisites`,
  },
  {
    id: "troubleshooting",
    title: "troubleshooting failures",
    sentences: [
      "When {0} fails, diagnose the error from the symptoms first: a crash of the {1} usually leaves a stack trace in the journal.",
      "A common failure is a {2} that stops answering; the workaround is to restart it and capture a core dump for diagnosis.",
      "Symptoms of a misbehaving {3} include repeated errors and timeouts; diagnose them before applying a workaround.",
      "Crash loops of the {4} come from corrupt local state more often than from bugs.",
    ],
    checklist: ["collect the error output", "diagnose the {0} crash", "apply the workaround for the {2}", "file the failure report"],
    query: (w) => `${w[2]} keeps failing with an error, how to diagnose the crash of ${w[0]}`,
  },
  {
    id: "performance",
    title: "performance tuning",
    sentences: [
      "Tail latency of {0} is dominated by the {1}; profile it before tuning anything else.",
      "Benchmark throughput with a realistic load; the bottleneck is often the {2} and not the CPU.",
      "Tuning the {3} halves latency in our benchmarks, and profiling shows no other hot spot.",
      "Measure throughput per {4} and watch for a bottleneck when load doubles.",
    ],
    checklist: ["benchmark the baseline", "profile the {1}", "tune the {3}", "record latency and throughput"],
    query: (w) => `tuning ${w[1]} latency and throughput bottleneck in ${w[3]}`,
  },
  {
    id: "security",
    title: "security hardening",
    sentences: [
      "Encrypt traffic to the {0} and store its credentials outside the repository; audit who holds them every quarter.",
      "Least-privilege permissions for the {1}: no wildcard grants, and every change leaves an audit record.",
      "Known vulnerability classes of the {2} are closed by the hardening baseline; scan for them on every release.",
      "Rotate the credentials of the {3} after any suspected exposure and review the audit log.",
    ],
    checklist: ["encrypt the {0} traffic", "restrict permissions on the {1}", "audit credentials", "apply the hardening baseline"],
    query: (w) => `hardening ${w[0]} permissions, credentials and encryption for ${w[2]}`,
  },
  {
    id: "monitoring",
    title: "monitoring and alerting",
    sentences: [
      "Dashboards for {0} show the golden signals; alerts fire when the {1} crosses its thresholds for five minutes.",
      "Export metrics from every {2} and keep the tracing spans of slow requests for a week.",
      "Alert thresholds for the {3} were tuned to page only on user-visible impact, which keeps observability useful.",
      "The observability stack scrapes the {4} metrics every fifteen seconds.",
    ],
    checklist: ["build the {0} dashboards", "set alert thresholds for the {1}", "export metrics", "wire tracing"],
    query: (w) => `dashboards and alert thresholds to monitor ${w[1]} metrics of ${w[0]}`,
  },
  {
    id: "migration",
    title: "upgrades and migration",
    sentences: [
      "Upgrade {0} one minor version at a time; the compatibility matrix lists which {1} versions work together.",
      "Migrate the {2} in place only after a rollback has been rehearsed on a copy.",
      "Deprecation notices for the {3} arrive two releases ahead; plan the migration before the upgrade forces it.",
      "Versioning of the {4} follows the upstream releases, so a rollback means pinning the previous version.",
    ],
    checklist: ["read the compatibility notes", "rehearse the rollback", "upgrade the {0}", "migrate the {2}"],
    query: (w) => `upgrade path for ${w[0]} and rollback when we migrate ${w[2]}`,
  },
];

const fill = (template: string, words: readonly string[]) => template.replace(/\{(\d)\}/g, (_, i: string) => words[Number(i)] ?? "");

function noteOf(project: string, subject: Subject, aspect: Aspect): string {
  const w = subject.words;
  const sentences = aspect.sentences.map((sentence) => fill(sentence, w));
  return [
    `# ${subject.name}: ${aspect.title}`,
    "",
    `This note of the ${project} team covers ${aspect.title} for ${subject.name.toLowerCase()}. It applies to every ${w[0]} we run and to the ${w[1]} that goes with it.`,
    "",
    "## Background",
    "",
    `Our ${subject.name.toLowerCase()} setup relies on ${w[0]}, ${w[1]} and ${w[2]}; ${w[3]} and ${w[4]} are used in the larger environments, and ${w[5]} in all of them.`,
    "",
    `## ${aspect.title[0]?.toUpperCase()}${aspect.title.slice(1)}`,
    "",
    `${sentences[0]} ${sentences[1]}`,
    "",
    `${sentences[2]} ${sentences[3]}`,
    "",
    "## Checklist",
    "",
    ...aspect.checklist.map((item) => `- ${fill(item, w)}`),
    "",
    "## Ownership",
    "",
    `The ${project} team owns this note. Changes go through review like code, and the note is checked again after every incident that involved it.`,
  ].join("\n");
}

export function buildCorpus(): { documents: CorpusDocument[]; queries: LabelledQuery[] } {
  const documents: CorpusDocument[] = [];
  const queries: LabelledQuery[] = [];
  Object.entries(projects).forEach(([project, subjects], p) => {
    subjects.forEach((subject, s) => {
      aspects.forEach((aspect, a) => {
        const key = `${project}/${s}/${aspect.id}`;
        const referenceKeys = a === 0 ? (s > 0 ? [`${project}/${s - 1}/setup`] : []) : [`${project}/${s}/setup`];
        documents.push({
          key,
          referenceKeys,
          input: {
            projectId: project,
            type: aspect.id === "troubleshooting" ? "runbook" : "note",
            title: `${subject.name}: ${aspect.title}`,
            content: noteOf(project, subject, aspect),
            format: "markdown",
            accessLevel: (s + a) % 4,
            references: [],
          },
        });
      });
      // One labelled question per subject, about an aspect that varies with the subject and the project.
      const aspect = aspects[(s + p) % aspects.length];
      if (aspect !== undefined) queries.push({ q: aspect.query(subject.words, subject.name), projectId: project, relevant: `${project}/${s}/${aspect.id}` });
    });
  });
  return { documents, queries };
}
