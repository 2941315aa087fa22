// The app's two languages (zh-CN first: the dealer networks' language, then en),
// every string in the catalogs of ./zh-CN/ and ./en/ (see ./messages.ts), the choice
// remembered per browser.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { messages } from "./messages";

export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];
const STORAGE_KEY = "aftersales.console.language";

function isLanguage(value: unknown): value is Language {
  return LANGUAGES.includes(value as Language);
}

/** The remembered choice, else the browser's preference, else Chinese. */
export function initialLanguage(): Language {
  const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  const preferred = globalThis.navigator?.language ?? "";
  return preferred.toLowerCase().startsWith("en") ? "en" : "zh-CN";
}

export function chooseLanguage(language: Language): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

export const resources = {
  "zh-CN": { translation: messages("zh-CN") },
  en: { translation: messages("en") },
} as const;

void i18n.use(initReactI18next).init({
  resources,
  lng: initialLanguage(),
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;
