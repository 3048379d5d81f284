/** The URL with any password replaced, safe to log. Works on multi-host URLs, which URL() rejects. */
export function redactPostgresUrl(url: string): string {
  return url
    .replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@')
    .replace(/([?&]password=)[^&]*/gi, '$1***');
}
