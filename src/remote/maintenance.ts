/**
 * The provider's view of maintenance, pure: per agent, the newest configuration and update
 * published for it against what its last heartbeat reported (`remote`) and the version it runs,
 * and whether it is behind. Used by the receiver's JSON (GET /v1/maintenance, `receiver
 * maintenance`) and the fleet view.
 */

export interface PublishedSummary {
  agentId: string;
  kind: 'config' | 'update';
  version: number;
  summary: Record<string, unknown>;
  createdAt: string;
}

export interface AgentSeen {
  agentId: string;
  version?: string;
  lastSeen?: string;
  lastHeartbeat?: Record<string, unknown>;
}

export interface MaintenanceRow {
  agentId: string;
  version?: string;
  lastSeen?: string;
  config: { published?: number; publishedAt?: string; sections?: unknown; reported?: Record<string, unknown>; behind: boolean };
  update: { published?: string; manifest?: number; sha256?: string; size?: number; reported?: Record<string, unknown>; behind: boolean };
}

export function maintenanceRows(published: readonly PublishedSummary[], agents: readonly AgentSeen[]): { latestVersion?: string; agents: MaintenanceRow[] } {
  const by = (id: string, kind: PublishedSummary['kind']) => published.find((p) => p.agentId === id && p.kind === kind);
  let latestVersion: string | undefined;
  const rows = agents.map((a): MaintenanceRow => {
    const remote = (a.lastHeartbeat?.remote ?? {}) as { config?: Record<string, unknown>; update?: Record<string, unknown> };
    const c = by(a.agentId, 'config');
    const u = by(a.agentId, 'update');
    const target = u?.summary.version as string | undefined;
    if (target && (!latestVersion || latestVersion.localeCompare(target, undefined, { numeric: true }) < 0)) latestVersion = target;
    const inForce = typeof remote.config?.inForce === 'number' ? remote.config.inForce : 0;
    return {
      agentId: a.agentId,
      ...(a.version ? { version: a.version } : {}),
      ...(a.lastSeen ? { lastSeen: a.lastSeen } : {}),
      config: { ...(c ? { published: c.version, publishedAt: c.createdAt, sections: c.summary.sections } : {}), ...(remote.config ? { reported: remote.config } : {}), behind: c !== undefined && inForce < c.version },
      update: { ...(u ? { published: target, manifest: u.version, sha256: u.summary.sha256 as string, size: u.summary.size as number } : {}), ...(remote.update ? { reported: remote.update } : {}), behind: target !== undefined && a.version !== target },
    };
  });
  return { ...(latestVersion ? { latestVersion } : {}), agents: rows };
}
