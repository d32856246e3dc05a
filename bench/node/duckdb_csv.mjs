// Reference for bench/process_bench.sh: DuckDB's CSV reader over one file.
//   node bench/node/duckdb_csv.mjs FILE [THREADS]
// prints: ROWS SECONDS  (SECONDS: the query alone, after DuckDB has started; THREADS: DuckDB's
// worker threads, default: DuckDB's own default, i.e. every core).
import { DuckDBInstance } from '@duckdb/node-api';

const [file, threads] = process.argv.slice(2);
if (!file) {
  console.error('usage: node duckdb_csv.mjs FILE [THREADS]');
  process.exit(2);
}
const options = threads ? { threads: String(threads) } : {};
const instance = await DuckDBInstance.create(':memory:', options);
const conn = await instance.connect();
const sql = `SELECT count(*) FROM read_csv_auto('${file.replaceAll("'", "''")}')`;
const t0 = performance.now();
const reader = await conn.runAndReadAll(sql);
const seconds = (performance.now() - t0) / 1000;
const rows = reader.getRows()[0][0];
console.log(`${rows} ${seconds.toFixed(6)}`);
