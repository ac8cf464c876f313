// Package configschema reads a librec-auto study config (conf/config.xml)
// and turns its Dropbox post-processing elements into a checked, plan-ready
// list: for each element, what to post (an absolute local path inside the
// study), where (a cleaned Dropbox path), with which key file and password.
//
// A librec-auto config lists post-processing scripts as
//
//	<post>
//	  <script lang="python3" src="system">
//	    <script-name>dropbox-post.py</script-name>
//	    <param name="option">file</param>
//	    <param name="encrypted_key">keys/dropbox.enc</param>
//	    <param name="path">post/study-results-summary.csv</param>
//	    <param name="dest">/librec/movielens</param>
//	    <param name="password"/>
//	  </script>
//	</post>
//
// and librec-auto runs each as
// "python3 SCRIPT config.xml --option=file --encrypted_key=… --password=<-k>"
// from the study directory: one --NAME=VALUE for each param with text, in
// document order (the last of two equal names wins), then --password=<the
// -k value> when a password param is present and -k was given.
//
// Use is in two steps: Load (or Parse) reads the XML and finds the Dropbox
// elements; Config.Resolve checks every element against the study directory
// and Dropbox's path rules and reports every problem at once, each with the
// config's file name and line, as an *InvalidError.
package configschema
