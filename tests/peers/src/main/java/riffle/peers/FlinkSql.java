package riffle.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs a Flink SQL script on a local MiniCluster, for Riffle's integration tests.
 *
 * <pre>FlinkSql SCRIPT.sql [--parallelism N] [--set KEY=VALUE]...</pre>
 *
 * <p>The script is split into statements at each line ending with {@code ;}; lines starting with
 * {@code --} are comments. DDL and other statements run with {@code executeSql}; {@code SET 'k' =
 * 'v';} and {@code RESET 'k';} change the configuration; {@code INSERT} statements and statement
 * sets ({@code EXECUTE STATEMENT SET BEGIN ... END;} or {@code BEGIN STATEMENT SET; ... END;}) run
 * as jobs, each awaited before the next statement. With bounded sources the program exits 0 once
 * the last job finished, printing only {@code flink-sql: done in N ms; the jobs used M ms of CPU} on stdout; on any error it
 * prints the error on stderr and exits 1 (2 for a usage error). Queries (SELECT) are refused:
 * write to a sink instead.
 */
public final class FlinkSql {
    private static final Pattern SET =
            Pattern.compile("(?is)^SET\\s+'([^']*)'\\s*=\\s*'((?:[^']|'')*)'$");
    private static final Pattern RESET = Pattern.compile("(?is)^RESET\\s+'([^']*)'$");

    private FlinkSql() {}

    /** The run's own temporary folder: Flink's working files, removed at exit. */
    private static Path tmpDir;

    public static void main(String[] args) {
        final long start = System.nanoTime();
        try {
            // Before any Flink class runs: the MiniCluster's folders and the extracted RPC jar
            // (20 MB) go here rather than into the system's temporary folder, and go away.
            tmpDir = Files.createTempDirectory("riffle-flink-sql-");
            System.setProperty("java.io.tmpdir", tmpDir.toString());
            Runtime.getRuntime().addShutdownHook(new Thread(FlinkSql::removeTmpDir));
        } catch (IOException e) {
            System.err.println("flink-sql: error: cannot make a temporary folder: " + e);
            System.exit(1);
        }
        Path script = null;
        int parallelism = 1;
        final Map<String, String> overrides = new LinkedHashMap<>();
        try {
            for (int i = 0; i < args.length; ++i) {
                final String a = args[i];
                if (a.equals("--parallelism") && i + 1 < args.length) {
                    parallelism = Integer.parseInt(args[++i]);
                    if (parallelism < 1) throw new IllegalArgumentException("parallelism < 1");
                } else if (a.startsWith("--parallelism=")) {
                    parallelism = Integer.parseInt(a.substring("--parallelism=".length()));
                    if (parallelism < 1) throw new IllegalArgumentException("parallelism < 1");
                } else if (a.equals("--set") && i + 1 < args.length) {
                    final String kv = args[++i];
                    final int eq = kv.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("--set wants KEY=VALUE: " + kv);
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                } else if (a.startsWith("-") || script != null) {
                    throw new IllegalArgumentException("unexpected argument: " + a);
                } else {
                    script = Path.of(a);
                }
            }
            if (script == null) throw new IllegalArgumentException("no script given");
        } catch (IllegalArgumentException e) {
            System.err.println("flink-sql: " + e.getMessage());
            System.err.println(
                    "usage: FlinkSql SCRIPT.sql [--parallelism N] [--set KEY=VALUE]...");
            System.exit(2);
            return;
        }

        try {
            final List<String> statements = split(Files.readString(script, StandardCharsets.UTF_8));
            run(statements, parallelism, overrides);
        } catch (Throwable t) {
            System.err.println("flink-sql: error: " + describe(t));
            if (System.getenv("RIFFLE_PEERS_TRACE") != null) t.printStackTrace();
            exit(1);
        }
        final long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println(
                "flink-sql: done in " + ms + " ms; the jobs used " + jobCpuNanos / 1_000_000
                        + " ms of CPU");
        exit(0);
    }

    /**
     * Exits through the shutdown hooks (they delete the MiniCluster's temporary directories),
     * and halts if they take longer than 10 s, so that no lingering thread keeps the process.
     */
    private static void exit(int code) {
        removeTmpDir();
        System.out.flush();
        System.err.flush();
        final Thread watchdog =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(10_000);
                            } catch (InterruptedException e) {
                                return;
                            }
                            Runtime.getRuntime().halt(code);
                        },
                        "flink-sql-exit-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(code);
    }

    private static synchronized void removeTmpDir() {
        if (tmpDir == null || !Files.exists(tmpDir)) return;
        try (Stream<Path> paths = Files.walk(tmpDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a file the closing cluster still writes; the next walk may get it.
        }
    }

    /** Defaults for a quiet, loopback-only MiniCluster; the caller's --set values win. */
    private static Configuration clusterConfig(int parallelism, Map<String, String> overrides) {
        final Map<String, String> c = new LinkedHashMap<>();
        c.put("parallelism.default", Integer.toString(parallelism));
        c.put("taskmanager.numberOfTaskSlots", Integer.toString(Math.max(parallelism, 1)));
        c.put("restart-strategy.type", "none");
        // Everything the MiniCluster opens listens on loopback, on ports chosen by the system.
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.bind-port", "0");
        c.put("blob.server.port", "0");
        c.put("io.tmp.dirs", tmpDir.toString());
        c.put("web.tmpdir", tmpDir.toString());
        // Small memory, enough for the tests' jobs.
        c.put("taskmanager.memory.managed.size", "64m");
        c.put("taskmanager.memory.network.min", "32m");
        c.put("taskmanager.memory.network.max", "32m");
        c.putAll(overrides);
        return Configuration.fromMap(c);
    }

    /**
     * CPU time of the whole process (every thread) while jobs ran: from each job's submission
     * (planning and code generation included) to its end; JVM start and class loading before
     * are not in it.
     */
    private static long jobCpuNanos = 0;

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void run(List<String> statements, int parallelism, Map<String, String> overrides)
            throws ExecutionException, InterruptedException {
        final EnvironmentSettings settings =
                EnvironmentSettings.newInstance()
                        .inStreamingMode()
                        .withConfiguration(clusterConfig(parallelism, overrides))
                        .build();
        final TableEnvironment tEnv = TableEnvironment.create(settings);

        StatementSet pendingSet = null; // between BEGIN STATEMENT SET; and END;
        for (final String sql : statements) {
            final String head = normalize(sql);
            if (pendingSet != null) {
                if (head.equals("END")) {
                    final long cpuBefore = processCpuNanos();
                    pendingSet.execute().await();
                    jobCpuNanos += processCpuNanos() - cpuBefore;
                    pendingSet = null;
                } else if (head.startsWith("INSERT ")) {
                    pendingSet.addInsertSql(sql);
                } else {
                    throw new IllegalArgumentException(
                            "only INSERT statements may stand in a statement set: " + sql);
                }
                continue;
            }
            if (head.equals("BEGIN STATEMENT SET")) {
                pendingSet = tEnv.createStatementSet();
                continue;
            }
            final Matcher set = SET.matcher(sql.trim());
            if (set.matches()) {
                tEnv.getConfig().set(set.group(1), set.group(2).replace("''", "'"));
                continue;
            }
            final Matcher reset = RESET.matcher(sql.trim());
            if (reset.matches()) {
                tEnv.getConfig().getConfiguration().removeKey(reset.group(1));
                continue;
            }
            if (head.startsWith("SELECT ") || head.startsWith("WITH ")
                    || head.startsWith("VALUES ") || head.startsWith("(")) {
                throw new IllegalArgumentException(
                        "queries are not run here, INSERT INTO a sink instead: " + firstLine(sql));
            }
            final long cpuBefore = processCpuNanos();
            final TableResult result = tEnv.executeSql(sql);
            // INSERT, EXECUTE INSERT, EXECUTE STATEMENT SET: a job; wait for it to end.
            if (result.getJobClient().isPresent()) {
                result.await();
                jobCpuNanos += processCpuNanos() - cpuBefore;
            }
        }
        if (pendingSet != null) throw new IllegalArgumentException("BEGIN STATEMENT SET without END;");
    }

    /**
     * Splits a script into statements: a statement ends at a line ending with ';' (the ';'
     * dropped), lines starting with "--" are skipped, and an "EXECUTE STATEMENT SET BEGIN" block
     * runs to its "END;" line as one statement (with the ';' of its inner statements kept).
     */
    static List<String> split(String text) {
        final List<String> out = new ArrayList<>();
        final StringBuilder cur = new StringBuilder();
        boolean inBlock = false;
        for (final String rawLine : text.split("\r?\n", -1)) {
            final String line = rawLine.strip();
            if (line.startsWith("--")) continue;
            if (line.isEmpty() && cur.length() == 0) continue;
            cur.append(rawLine).append('\n');
            if (!inBlock) {
                final String head = normalize(cur.toString());
                if (head.startsWith("EXECUTE STATEMENT SET") && head.contains("BEGIN")) inBlock = true;
            }
            if (inBlock) {
                if (line.equalsIgnoreCase("END;")) {
                    out.add(stripSemicolon(cur.toString()));
                    cur.setLength(0);
                    inBlock = false;
                }
            } else if (line.endsWith(";")) {
                out.add(stripSemicolon(cur.toString()));
                cur.setLength(0);
            }
        }
        if (inBlock) throw new IllegalArgumentException("EXECUTE STATEMENT SET without END;");
        if (cur.toString().strip().length() > 0) out.add(cur.toString().strip());
        return out;
    }

    private static String stripSemicolon(String s) {
        String t = s.strip();
        while (t.endsWith(";")) t = t.substring(0, t.length() - 1).strip();
        return t;
    }

    /** Upper case, one space between words, for matching the start of a statement. */
    private static String normalize(String sql) {
        return sql.strip().replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
    }

    private static String firstLine(String sql) {
        final String s = sql.strip();
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    /** The message of the error and of each distinct cause, most specific last. */
    static String describe(Throwable t) {
        final StringBuilder sb = new StringBuilder();
        String last = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            final String m = c.getMessage() == null ? c.getClass().getName() : c.getMessage();
            // A wrapper whose message is only its cause's name and message says nothing more.
            if (c.getCause() != null && m.equals(c.getCause().toString())) continue;
            if (m.equals(last)) continue;
            if (last != null && last.contains(m)) continue;
            if (sb.length() > 0) sb.append("\n  caused by: ");
            sb.append(c instanceof IllegalArgumentException || c instanceof IOException
                    ? m : c.getClass().getSimpleName() + ": " + m);
            last = m;
        }
        return sb.toString();
    }
}
