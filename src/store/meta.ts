/** The meta table: the schema version and a few named values (last delivery, salvage marks). */
import type Database from 'better-sqlite3';

export class MetaTable {
  private readonly getStmt: Database.Statement;
  private readonly putStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.getStmt = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.putStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key) as string | undefined;
  }

  /** Sets a value (inside the caller's transaction, if any). */
  put(key: string, value: string): void {
    this.putStmt.run(key, value);
  }
}
