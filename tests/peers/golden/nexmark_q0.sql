-- Flink SQL exported by riffle-run from `Nexmark q0: pass-through`; run it with: sql-client.sh -f THIS_FILE
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

-- transform `select` (transform.map)
CREATE VIEW `select` AS
SELECT `_time`,
       `auction` AS `auction`,
       `bidder` AS `bidder`,
       `price` AS `price`,
       `dateTime` AS `dateTime`,
       `extra` AS `extra`
FROM `nexmark`;

-- sink `out` (sink.file)
-- Differs from Riffle: Flink writes a folder of part files at `path`, not one file; a CSV has no header row, and times are written as yyyy-MM-dd HH:mm:ss.SSS
CREATE TABLE `out` (
  `_time` TIMESTAMP(3),
  `auction` BIGINT,
  `bidder` BIGINT,
  `price` BIGINT,
  `dateTime` STRING,
  `extra` STRING
) WITH (
  'connector' = 'filesystem',
  'path' = 'DIR/flink_q0.jsonl',
  'format' = 'json'
);

EXECUTE STATEMENT SET
BEGIN
  INSERT INTO `out`
  SELECT `_time`, `auction`, `bidder`, `price`, `dateTime`, `extra` FROM `select`;
END;
