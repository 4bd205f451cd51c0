-- Flink SQL exported by riffle-run from `Nexmark q5: hot items`; run it with: sql-client.sh -f THIS_FILE
-- Event times are UTC.
SET 'table.local-time-zone' = 'UTC';

-- source `nexmark` (source.file)
-- Differs from Riffle: a malformed line fails the Flink job; Riffle sends it to `errors`
-- Differs from Riffle: Flink's watermark trails the newest event by 1 ms more than Riffle's (bounded out-of-orderness), so an event exactly `max_out_of_orderness` late counts in Riffle and is late in Flink
CREATE TABLE `nexmark` (
  `ts` BIGINT,
  `auction` BIGINT,
  `bidder` BIGINT,
  `price` BIGINT,
  `channel` STRING,
  `url` STRING,
  `dateTime` STRING,
  `extra` STRING,
  `_time` AS CAST(TO_TIMESTAMP_LTZ(`ts`, 3) AS TIMESTAMP(3)),
  WATERMARK FOR `_time` AS `_time` - INTERVAL '10' SECOND
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/bids.jsonl',
  'format' = 'json'
);

-- window `bids_per_auction` (window.hopping)
-- Differs from Riffle: `_time` is window_end - 1 ms in Flink (millisecond times) and window_end - 1 us in Riffle
CREATE VIEW `bids_per_auction` AS
SELECT window_time AS `_time`, `auction`, COUNT(*) AS `num`, window_start AS `window_start`, window_end AS `window_end`, TRUE AS `final`
FROM TABLE(HOP(TABLE `nexmark`, DESCRIPTOR(`_time`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end, window_time, `auction`;

-- transform `hottest` (transform.topn)
-- Differs from Riffle: of rows tied at the cut Flink keeps any, Riffle the earliest to arrive; and Flink numbers rows 1, 2, 3 (ROW_NUMBER) where Riffle gives tied rows one rank
CREATE VIEW `hottest` AS
SELECT `_time`, `auction`, `num`, `window_start`, `window_end`, `final`, `rank`
FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY `num` DESC NULLS LAST) AS `rank`
  FROM `bids_per_auction`)
WHERE `rank` <= 1;

-- transform `project` (transform.map)
CREATE VIEW `project` AS
SELECT `_time`,
       `auction` AS `auction`,
       `num` AS `num`
FROM `hottest`;

-- sink `out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `out` (
  `_time` TIMESTAMP(3),
  `auction` BIGINT,
  `num` BIGINT
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_q5.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `out`
  SELECT `_time`, `auction`, `num` FROM `project`;
END;
