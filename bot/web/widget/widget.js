/*
 * CESTES chat widget: a small, dependency-free, accessible chat window for the Rasa assistant.
 * Embed: <script src="https://HOST/widget/widget.js" data-server="https://RASA_HOST"
 *          data-title="Assistant CESTES" data-color="#8a1538" data-contact="adresse@exemple.fr" defer></script>
 * Transport: Rasa's REST channel (POST {server}/webhooks/rest/webhook). The conversation is kept
 * in localStorage, so it survives page changes and reloads.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-server]");
  var config = {
    server: (script && script.dataset.server) || "http://127.0.0.1:5005",
    title: (script && script.dataset.title) || "Assistant CESTES",
    color: (script && script.dataset.color) || "",
    contact: (script && script.dataset.contact) || "",
    storageKey: "cestes-chat-v1",
    timeoutMs: 20000,
    quickReplies: [
      ["Coût", "/ask_cost"], ["Prérequis", "/ask_prerequisites"], ["CPF", "/ask_cpf"],
      ["Calendrier", "/ask_schedule"], ["VAE", "/ask_vae"], ["Module coopératif", "/ask_coop_module"],
      ["Vérifier mon éligibilité", "/check_eligibility"], ["Contacter le CESTES", "/ask_contact"]
    ]
  };
  var LINK = /(https?:\/\/[^\s<>"]+|mailto:[^\s<>"]+|www\.[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(config.storageKey) || "null");
      if (saved && typeof saved.sender === "string" && Array.isArray(saved.history)) { return saved; }
    } catch (e) { /* a corrupt or blocked storage starts a new conversation */ }
    return { sender: "web-" + Math.random().toString(36).slice(2) + Date.now().toString(36), history: [], unread: 0 };
  }
  var state = load();
  function save() {
    try { window.localStorage.setItem(config.storageKey, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  // Text with clickable links, built as DOM nodes: nothing from a message is parsed as HTML.
  function linkify(parent, text) {
    var last = 0;
    String(text).replace(LINK, function (match, _g, offset) {
      var trimmed = match.replace(/[.,;:)]+$/, "");
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var href = /^(https?:|mailto:)/.test(trimmed) ? trimmed
        : (trimmed.indexOf("@") > 0 ? "mailto:" + trimmed : "https://" + trimmed);
      var a = el("a", { href: href, rel: "noopener noreferrer" }, trimmed.indexOf("mailto:") === 0 ? trimmed.split("?")[0].slice(7) : trimmed);
      if (/^https?:/.test(href)) { a.setAttribute("target", "_blank"); }
      parent.appendChild(a);
      last = offset + trimmed.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  var root = el("div", { "class": "cw-root", lang: "fr" });
  if (config.color) { root.style.setProperty("--cw-accent", config.color); }
  var launcher = el("button", { type: "button", "class": "cw-launcher", "aria-expanded": "false",
    "aria-controls": "cw-panel" }, "Une question ?");
  var badge = el("span", { "class": "cw-badge", "aria-label": "messages non lus", hidden: "" });
  launcher.appendChild(badge);
  var panel = el("div", { id: "cw-panel", "class": "cw-panel", role: "dialog", "aria-modal": "false",
    "aria-labelledby": "cw-title", hidden: "" });
  var header = el("div", { "class": "cw-header" });
  header.appendChild(el("h2", { id: "cw-title" }, config.title));
  var close = el("button", { type: "button", "class": "cw-close", "aria-label": "Fermer la discussion" }, "×");
  header.appendChild(close);
  var log = el("div", { "class": "cw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" });
  var typing = el("p", { "class": "cw-typing", hidden: "" }, "L'assistant écrit…");
  var form = el("form", { "class": "cw-form" });
  var label = el("label", { "for": "cw-input", "class": "cw-sr" }, "Votre message");
  var input = el("input", { id: "cw-input", type: "text", autocomplete: "off", maxlength: "1000",
    placeholder: "Posez votre question sur la formation…" });
  var send = el("button", { type: "submit" }, "Envoyer");
  form.appendChild(label); form.appendChild(input); form.appendChild(send);
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(typing); panel.appendChild(form);
  root.appendChild(panel); root.appendChild(launcher);

  function render(entry) {
    if (entry.from === "buttons") {
      var group = el("div", { "class": "cw-buttons", role: "group", "aria-label": "Choix proposés" });
      entry.buttons.forEach(function (b) {
        var button = el("button", { type: "button" }, b.title);
        button.addEventListener("click", function () { ask(b.payload, b.title); });
        group.appendChild(button);
      });
      log.appendChild(group);
    } else {
      var bubble = el("p", { "class": "cw-msg cw-" + entry.from });
      if (entry.from === "user") { bubble.appendChild(el("span", { "class": "cw-sr" }, "Vous : ")); }
      if (entry.from === "bot") { bubble.appendChild(el("span", { "class": "cw-sr" }, "Assistant : ")); }
      linkify(bubble, entry.text);
      log.appendChild(bubble);
    }
    log.scrollTop = log.scrollHeight;
  }
  function add(entry) {
    state.history.push(entry);
    state.history = state.history.slice(-200);
    save();
    render(entry);
    if (entry.from !== "user" && panel.hidden) {
      state.unread = (state.unread || 0) + 1;
      badge.textContent = String(state.unread);
      badge.hidden = false;
      save();
    }
  }

  function ask(message, shown) {
    if (shown) { add({ from: "user", text: shown }); }
    typing.hidden = false;
    var controller = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) { controller.abort(); } }, config.timeoutMs);
    return fetch(config.server.replace(/\/$/, "") + "/webhooks/rest/webhook", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message }),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (replies) {
      // No reply at all means the assistant failed inside (e.g. its action server is down).
      if (!Array.isArray(replies) || (!replies.length && message.charAt(0) !== "/")) {
        throw new Error("no reply");
      }
      replies.forEach(function (reply) {
        if (reply.text) { add({ from: "bot", text: reply.text }); }
        if (reply.buttons && reply.buttons.length) { add({ from: "buttons", buttons: reply.buttons }); }
      });
    }).catch(function () {
      var text = "Le service ne répond pas pour le moment. Réessayez dans un instant" +
        (config.contact ? ", ou écrivez au CESTES : " + config.contact : "") + ".";
      add({ from: "error", text: text });
    }).then(function () {
      clearTimeout(timer);
      typing.hidden = true;
    });
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.unread = 0; badge.hidden = true; save();
    if (!state.history.length) {
      ask("/greet").then(function () { add({ from: "buttons", buttons: config.quickReplies.map(function (q) {
        return { title: q[0], payload: q[1] }; }) }); });
    }
    input.focus();
  }
  function shut() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { shut(); } });
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { shut(); } });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    ask(text, text);
  });

  function mount() {
    document.body.appendChild(root);
    state.history.forEach(render);
    if (state.unread) { badge.textContent = String(state.unread); badge.hidden = false; }
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
