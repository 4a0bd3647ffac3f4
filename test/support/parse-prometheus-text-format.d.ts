// Types for parse-prometheus-text-format (it ships none): the prom2json-like shape it returns.
declare module 'parse-prometheus-text-format' {
	export interface Sample {
		labels?: Record<string, string>;
		value?: string;
		buckets?: Record<string, string>;
		count?: string;
		sum?: string;
	}
	export interface Family {
		name: string;
		help: string;
		type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
		metrics: Sample[];
	}
	export default function parsePrometheusTextFormat(text: string): Family[];
}
