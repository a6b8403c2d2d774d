'use strict';
// Shared by the pages: fetching the JSON API, formatting numbers and times, and polling for live refresh.
const Ui = (() => {
  const refreshMs = 1500;

  async function getJson(url) {
    const response = await fetch(url, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${url}: ${response.status} ${(await response.json().catch(() => ({}))).detail ?? ''}`);
    return response.json();
  }

  function number(value, digits = 0) {
    if (value === null || value === undefined || Number.isNaN(value)) return '';
    return Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function rate(value) { return number(value, 1); }

  function duration(ms) {
    if (ms === null || ms === undefined) return '';
    const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h > 0) return `${h} h ${m} min`;
    if (m > 0) return `${m} min ${s % 60} s`;
    return s > 0 ? `${s} s` : `${ms} ms`;
  }

  function time(iso) { return iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : ''; }

  function bytes(value) {
    if (value === null || value === undefined) return '';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = value, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return `${number(v, u === 0 ? 0 : 1)} ${units[u]}`;
  }

  function setText(id, text) { const el = document.getElementById(id); if (el) el.textContent = text ?? ''; }

  function showError(error) {
    const el = document.getElementById('error');
    if (!el) return;
    el.hidden = !error;
    el.textContent = error ? String(error.message ?? error) : '';
  }

  // Runs refresh now and then every refreshMs, never two at a time.
  function poll(refresh) {
    const tick = async () => {
      try {
        await refresh();
        showError(null);
        setText('refreshed', `updated ${new Date().toISOString().substring(11, 19)} UTC`);
      } catch (error) {
        showError(error);
      }
      setTimeout(tick, refreshMs);
    };
    tick();
  }

  return { getJson, number, rate, duration, time, bytes, setText, showError, poll };
})();
