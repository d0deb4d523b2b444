// What the approvals area reads: a request with its history and names, the subject it
// asks about (a leave request or a travel claim), and the count waiting on me.
import { signal, effect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, token } from "../api.js";
import { me } from "../auth.js";
import { useInterval, useLoad } from "../components/hooks.js";

export const SUBJECTS = {
  leave: (id) => `/api/v1/leave-requests/${id}`,
  travel_claim: (id) => `/api/v1/travel-claims/${id}`,
  attendance_correction: (id) => `/api/v1/attendance/corrections/${id}`,
};

/** A request's detail (history, names) and its subject, reloaded together. */
export function useRequest(id) {
  return useLoad(
    async (abort) => {
      const request = await api(`/api/v1/approvals/${id}`, { signal: abort });
      const path = SUBJECTS[request.kind]?.(request.subject_id);
      const subject = path ? await api(path, { signal: abort }).catch(() => null) : null;
      return { request, subject };
    },
    [id],
  );
}

/** Whom I would decide a waiting request as: myself, or the person I stand in for. */
export function decidingAs(request) {
  const mine = me.value?.id;
  if (!request || request.status !== "in_approval" || request.requester_id === mine) return null;
  if (request.waiting_on.includes(mine)) return mine;
  return request.waiting_on[0] ?? null; // it is listed for me: I stand in for them
}

/** Requests waiting on me, or null before the first answer. */
export const waitingCount = signal(null);

effect(() => {
  if (!token.value) waitingCount.value = null;
});

export async function refreshWaiting() {
  try {
    waitingCount.value = (await api("/api/v1/approvals/counts")).total;
  } catch {
    /* the next minute's poll tries again */
  }
}

export function usePollWaiting(ms = 60_000) {
  useEffect(() => {
    refreshWaiting();
  }, []);
  useInterval(refreshWaiting, ms);
}
