import { create } from 'zustand';
import type { ConnectionStatus } from '../net/connection';

export interface TabInfo {
  id: string;
  title: string;
}

export interface LabState {
  status: ConnectionStatus;
  sandboxId: string | null;
  tabs: TabInfo[];
  activeTab: string | null;
  /** A server-side refusal the learner should see (server full, rate limited). */
  notice: string | null;
  fontSize: number;
}

export const fontSizeMin = 10;
export const fontSizeMax = 32;

export const useLab = create<LabState>()(() => ({
  status: 'connecting',
  sandboxId: null,
  tabs: [],
  activeTab: null,
  notice: null,
  fontSize: 15,
}));

export const selectStatus = (s: LabState) => s.status;
export const selectTabs = (s: LabState) => s.tabs;
export const selectActiveTab = (s: LabState) => s.activeTab;
export const selectNotice = (s: LabState) => s.notice;
export const selectFontSize = (s: LabState) => s.fontSize;
