-- Flink SQL exported by riffle-run from `Click analytics`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `clicks` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `clicks` (
  `ts` BIGINT,
  `user_id` BIGINT,
  `session_id` STRING,
  `page` STRING,
  `event` STRING,
  `referrer` STRING,
  `country` STRING,
  `device` STRING,
  `latency_ms` BIGINT,
  `amount` DOUBLE,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/clicks.jsonl',
  'format' = 'json'
);

-- window `views_per_page` (window.tumbling)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `views_per_page` AS
SELECT window_time AS `_time`, `page`, COUNT(*) AS `views`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `clicks`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `page`;

-- window `funnel` (window.tumbling)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `funnel` AS
SELECT window_time AS `_time`, COUNT(DISTINCT `session_id`) AS `sessions`, COUNT(DISTINCT CASE WHEN (`page` LIKE '/product/%') THEN `session_id` ELSE NULL END) AS `product_views`, COUNT(DISTINCT CASE WHEN (`event` = 'add_to_cart') THEN `session_id` ELSE NULL END) AS `cart_adds`, COUNT(DISTINCT CASE WHEN (`event` = 'purchase') THEN `session_id` ELSE NULL END) AS `purchases`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `clicks`, DESCRIPTOR(`_time`), INTERVAL '60' SECOND))
GROUP BY window_start, window_end, window_time;

-- window `latency` (window.tumbling)
-- Differs from Riffle: `p99_ms`: Flink's PERCENTILE is exact (interpolated between ranks), Riffle's is within 0.5 % of a value of the stream (DDSketch)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `latency` AS
SELECT window_time AS `_time`, `device`, PERCENTILE(`latency_ms`, 0.99E0) AS `p99_ms`, AVG(CAST(`latency_ms` AS DOUBLE)) AS `avg_ms`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `clicks`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `device`;

-- window `uniques` (window.tumbling)
-- Differs from Riffle: Flink emits each window once, when it closes; Riffle also emits early results every 5s (rows with `final` false). The final rows are the same
-- Differs from Riffle: `unique_users`: Flink counts exactly (COUNT(DISTINCT), which keeps every value), Riffle's HyperLogLog is nearly always within 2 %
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `uniques` AS
SELECT window_time AS `_time`, COUNT(DISTINCT `user_id`) AS `unique_users`, COUNT(*) AS `events`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `clicks`, DESCRIPTOR(`_time`), INTERVAL '60' SECOND))
GROUP BY window_start, window_end, window_time;

-- transform `sections` (transform.map)
CREATE VIEW `sections` AS
SELECT `_time`,
       `ts`,
       `user_id`,
       `session_id`,
       `page`,
       `event`,
       `referrer`,
       `country`,
       `device`,
       `latency_ms`,
       `amount`,
       CASE WHEN (`page` = '/') THEN 'home' WHEN (`page` LIKE '/product/%') THEN 'product' WHEN (`page` LIKE '/blog/%') THEN 'blog' ELSE SUBSTRING(`page` FROM 2) END AS `section`
FROM `clicks`;

-- sink `views_db` (sink.sqlite)
-- Differs from Riffle: Flink's JDBC connector has no SQLite dialect: the rows of table `views_per_page` are written as JSON Lines part files into the folder DIR/out/analytics/views_per_page
CREATE TABLE `views_db` (
  `_time` TIMESTAMP(3),
  `page` STRING,
  `views` BIGINT,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/out/analytics/views_per_page',
  'format' = 'json'
);

-- sink `top_pages` (sink.chart.bar)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

-- sink `funnel_db` (sink.sqlite)
-- Differs from Riffle: Flink's JDBC connector has no SQLite dialect: the rows of table `funnel` are written as JSON Lines part files into the folder DIR/out/analytics/funnel
CREATE TABLE `funnel_db` (
  `_time` TIMESTAMP(3),
  `sessions` BIGINT,
  `product_views` BIGINT,
  `cart_adds` BIGINT,
  `purchases` BIGINT,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/out/analytics/funnel',
  'format' = 'json'
);

-- sink `funnel_table` (sink.chart.table)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

-- sink `latency_db` (sink.sqlite)
-- Differs from Riffle: Flink's JDBC connector has no SQLite dialect: the rows of table `latency` are written as JSON Lines part files into the folder DIR/out/analytics/latency
CREATE TABLE `latency_db` (
  `_time` TIMESTAMP(3),
  `device` STRING,
  `p99_ms` DOUBLE,
  `avg_ms` DOUBLE,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/out/analytics/latency',
  'format' = 'json'
);

-- sink `latency_chart` (sink.chart.timeseries)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

-- sink `uniques_db` (sink.sqlite)
-- Differs from Riffle: Flink's JDBC connector has no SQLite dialect: the rows of table `uniques` are written as JSON Lines part files into the folder DIR/out/analytics/uniques
CREATE TABLE `uniques_db` (
  `_time` TIMESTAMP(3),
  `unique_users` BIGINT,
  `events` BIGINT,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/out/analytics/uniques',
  'format' = 'json'
);

-- sink `uniques_gauge` (sink.chart.gauge)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

-- window `views_per_section` (window.tumbling)
-- Differs from Riffle: Flink emits each window once, when it closes; Riffle also emits early results every 2s (rows with `final` false). The final rows are the same
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `views_per_section` AS
SELECT window_time AS `_time`, `section`, COUNT(*) AS `views`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `sections`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `section`;

-- sink `views_chart` (sink.chart.timeseries)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

-- sink `views_heatmap` (sink.chart.heatmap)
-- Differs from Riffle: Flink draws no charts, so this chart is left out; to chart Flink's results, write them to Kafka with sink.kafka and chart that topic in Riffle

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `views_db`
  SELECT `_time`, `page`, `views`, `window_start`, `window_end`, `final` FROM `views_per_page`;
  INSERT INTO `funnel_db`
  SELECT `_time`, `sessions`, `product_views`, `cart_adds`, `purchases`, `window_start`, `window_end`, `final` FROM `funnel`;
  INSERT INTO `latency_db`
  SELECT `_time`, `device`, `p99_ms`, `avg_ms`, `window_start`, `window_end`, `final` FROM `latency`;
  INSERT INTO `uniques_db`
  SELECT `_time`, `unique_users`, `events`, `window_start`, `window_end`, `final` FROM `uniques`;
END;
