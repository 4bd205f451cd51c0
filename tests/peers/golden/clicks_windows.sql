-- Flink SQL exported by riffle-run from `clicks_windows`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `clicks` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `clicks` (
  `ts` BIGINT,
  `page` STRING,
  `user_id` BIGINT,
  `ms` BIGINT,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '2' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/clicks.jsonl',
  'format' = 'json'
);

-- transform `fast` (transform.filter)
CREATE VIEW `fast` AS
SELECT `_time`, `ts`, `page`, `user_id`, `ms`
FROM `clicks`
WHERE ((`ms` < 900) AND (`page` <> '/p/6'));

-- transform `doubled` (transform.map)
CREATE VIEW `doubled` AS
SELECT `_time`,
       `ts`,
       `page`,
       `user_id`,
       `ms`,
       (`ms` * 2) AS `double_ms`
FROM `fast`;

-- window `per_page` (window.tumbling)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `per_page` AS
SELECT window_time AS `_time`, `page`, COUNT(*) AS `n`, SUM(`ms`) AS `total`, AVG(CAST(`ms` AS DOUBLE)) AS `avg_ms`, MIN(`ms`) AS `lo`, MAX(`double_ms`) AS `hi`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(TUMBLE(TABLE `doubled`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `page`;

-- window `sliding` (window.hopping)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `sliding` AS
SELECT window_time AS `_time`, `page`, COUNT(*) AS `n`, SUM(`ms`) AS `total`, AVG(CAST(`ms` AS DOUBLE)) AS `avg_ms`, MIN(`ms`) AS `lo`, MAX(`double_ms`) AS `hi`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(HOP(TABLE `doubled`, DESCRIPTOR(`_time`), INTERVAL '10' SECOND, INTERVAL '20' SECOND))
GROUP BY window_start, window_end, window_time, `page`;

-- sink `tumbling_out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `tumbling_out` (
  `_time` TIMESTAMP(3),
  `page` STRING,
  `n` BIGINT,
  `total` BIGINT,
  `avg_ms` DOUBLE,
  `lo` BIGINT,
  `hi` BIGINT,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_tumbling.jsonl',
  'format' = 'json'
);

-- sink `hopping_out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `hopping_out` (
  `_time` TIMESTAMP(3),
  `page` STRING,
  `n` BIGINT,
  `total` BIGINT,
  `avg_ms` DOUBLE,
  `lo` BIGINT,
  `hi` BIGINT,
  `window_start` TIMESTAMP(3),
  `window_end` TIMESTAMP(3),
  `final` BOOLEAN
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_hopping.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `tumbling_out`
  SELECT `_time`, `page`, `n`, `total`, `avg_ms`, `lo`, `hi`, `window_start`, `window_end`, `final` FROM `per_page`;
  INSERT INTO `hopping_out`
  SELECT `_time`, `page`, `n`, `total`, `avg_ms`, `lo`, `hi`, `window_start`, `window_end`, `final` FROM `sliding`;
END;
